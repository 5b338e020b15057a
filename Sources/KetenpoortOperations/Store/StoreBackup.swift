import Foundation
import KetenpoortStore

/// `store backup`: a copy of a SQLite state directory as of one moment, taken beside the running daemon, then
/// opened on its own and its audit chain verified, so a backup that could not be restored is known at once.
public struct StoreBackup: Sendable {
    /// What was written and what the check of the copy found.
    public struct Report: Sendable {
        /// The files written.
        public var written: SQLiteBackupReport
        /// The copy's audit chain, verified after the copy was reopened with its own payload keys.
        public var chain: AuditVerificationReport
        /// Deliveries in the copy.
        public var deliveries: Int
        /// Seconds taken, copy and check.
        public var seconds: Double
    }

    /// The state directory to back up.
    public let stateDirectory: String
    /// The new or empty directory the copy goes into.
    public let target: String
    /// Checks the copy's signed tree heads (nil: the hash chain and Merkle tree only).
    public let verifier: (any CheckpointVerifier)?

    /// A backup of `stateDirectory` into `target`, its checkpoints checked with `verifier` when given.
    public init(stateDirectory: String, target: String, verifier: (any CheckpointVerifier)?) {
        self.stateDirectory = stateDirectory
        self.target = target
        self.verifier = verifier
    }

    /// Copies, reopens and verifies, calling `verifying` with (records checked, records in the copy) as the check goes.
    /// Exit 2 when the copy cannot be made; exit 1 when the copy does not open or verify.
    public func run(verifying: @escaping @Sendable (Int64, Int64) -> Void = { _, _ in }) async throws -> Report {
        let started = ContinuousClock.now
        let written: SQLiteBackupReport
        do {
            let source = try SQLiteStore.open(stateDirectory: stateDirectory, access: .readOnly, payloadKeys: false)
            defer { try? source.close() }
            written = try source.backup(into: target)
        } catch let error as StoreSchemaError {
            throw OperatorFailure.usage("\(error)")
        } catch {
            throw OperatorFailure.usage("no backup was made: \(error)")
        }
        let copy: SQLiteStore
        do {
            copy = try SQLiteStore.open(stateDirectory: target, access: .readOnly, payloadKeys: true)
        } catch {
            throw OperatorFailure.refused("the backup in \(target) was written but does not open with its payload keys: \(error)")
        }
        defer { try? copy.close() }
        let total = try await copy.auditHeadSequence()
        let chain = try await copy.verifyAuditChain(verifier: verifier) { checked in verifying(checked, total) }
        guard chain.isIntact else {
            let breakText = chain.firstBreak.map { "\($0)" } ?? "?"
            throw OperatorFailure.refused("the backup in \(target) was written but its audit chain does not verify: \(breakText)")
        }
        let deliveries = try await copy.countsByPartnerAndState().reduce(0) { $0 + $1.count }
        return Report(written: written, chain: chain, deliveries: deliveries, seconds: (ContinuousClock.now - started) / .seconds(1))
    }
}
