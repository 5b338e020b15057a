import Foundation

/// The first place where the audit chain or a checkpoint does not hold.
public struct AuditBreak: Sendable, Equatable, CustomStringConvertible {
    /// The sequence number of the first broken record (or the record a checkpoint points at).
    public var sequence: Int64
    /// The checkpoint concerned, if the break is in a checkpoint.
    public var checkpointId: Int64?
    /// The rule that failed, e.g. `hash`, `previous-hash`, `sequence`, `checkpoint-signature`, `truncated`.
    public var rule: String
    /// A one-line explanation.
    public var explanation: String

    /// Creates a break description.
    public init(sequence: Int64, checkpointId: Int64? = nil, rule: String, explanation: String) {
        self.sequence = sequence
        self.checkpointId = checkpointId
        self.rule = rule
        self.explanation = explanation
    }

    /// A line naming the record, rule and explanation.
    public var description: String {
        let checkpoint = checkpointId.map { " (checkpoint \($0))" } ?? ""
        return "record \(sequence)\(checkpoint): \(rule): \(explanation)"
    }
}

/// The outcome of verifying the whole chain and its checkpoints.
public struct AuditVerificationReport: Sendable, Equatable {
    /// How many records were checked.
    public var recordCount: Int64
    /// How many checkpoints were checked.
    public var checkpointCount: Int
    /// The hash of the last record (the genesis hash for an empty chain).
    public var headHash: Data
    /// The first break found, or nil if the chain holds.
    public var firstBreak: AuditBreak?

    /// Whether every record and checkpoint holds.
    public var isIntact: Bool { firstBreak == nil }
}

/// Checks audit records one at a time in sequence order, then the checkpoints against them.
///
/// Feed every record with ``feed(_:)`` (stop at the first break) and call ``finish()``.
public struct AuditChainVerifier: Sendable {
    private let checkpointsBySequence: [Int64: [AuditCheckpoint]]
    private let checkpoints: [AuditCheckpoint]
    private let verifier: (any CheckpointVerifier)?
    private var expectedSequence: Int64 = 1
    private var previousHash = AuditEncoding.genesisHash
    private var frontier = MerkleFrontier()
    private(set) var firstBreak: AuditBreak?

    /// Creates a verifier; without a public key, checkpoint signatures are reported as unverifiable.
    public init(checkpoints: [AuditCheckpoint], verifier: (any CheckpointVerifier)?) {
        self.checkpoints = checkpoints
        self.verifier = verifier
        self.checkpointsBySequence = Dictionary(grouping: checkpoints, by: \.sequence)
    }

    /// The number of records accepted so far.
    public var recordsChecked: Int64 { expectedSequence - 1 }

    /// Checks the next record; returns false (and records the break) once the chain is broken.
    public mutating func feed(_ record: AuditRecord) -> Bool {
        guard firstBreak == nil else { return false }
        if record.sequence != expectedSequence {
            let rule = record.sequence > expectedSequence ? "deleted" : "sequence"
            let what = record.sequence > expectedSequence
                ? "record \(expectedSequence) is missing (the next record present is \(record.sequence))"
                : "record \(record.sequence) appears where \(expectedSequence) was expected"
            firstBreak = AuditBreak(sequence: expectedSequence, rule: rule, explanation: what)
            return false
        }
        if record.previousHash != previousHash {
            firstBreak = AuditBreak(
                sequence: record.sequence, rule: "previous-hash",
                explanation: "its previous hash is not the hash of record \(record.sequence - 1) (inserted, deleted or reordered records)")
            return false
        }
        if AuditEncoding.recomputeHash(of: record) != record.hash {
            firstBreak = AuditBreak(
                sequence: record.sequence, rule: "hash",
                explanation: "its stored hash does not match its contents (the record was altered)")
            return false
        }
        frontier.append(leafHash: MerkleHash.leaf(record.hash))
        for checkpoint in checkpointsBySequence[record.sequence] ?? [] {
            if let problem = TreeHeadCheck.problem(checkpoint, record: record, frontier: frontier) {
                firstBreak = problem
                return false
            }
        }
        previousHash = record.hash
        expectedSequence += 1
        return true
    }

    /// Checks the checkpoints (signatures, order, truncation) and returns the report.
    public func finish() -> AuditVerificationReport {
        let last = expectedSequence - 1
        var report = AuditVerificationReport(
            recordCount: last, checkpointCount: checkpoints.count, headHash: previousHash, firstBreak: firstBreak)
        guard firstBreak == nil else { return report }
        var previousSequence: Int64 = 0
        for (index, checkpoint) in checkpoints.enumerated() {
            let expectedId = Int64(index + 1)
            if checkpoint.id != expectedId {
                report.firstBreak = AuditBreak(
                    sequence: checkpoint.sequence, checkpointId: expectedId, rule: "checkpoint-deleted",
                    explanation: "checkpoint \(expectedId) is missing (the next checkpoint present is \(checkpoint.id))")
                return report
            }
            if let problem = check(checkpoint, lastSequence: last, previousSequence: previousSequence) {
                report.firstBreak = problem
                return report
            }
            previousSequence = checkpoint.sequence
        }
        return report
    }

    private func check(_ checkpoint: AuditCheckpoint, lastSequence: Int64, previousSequence: Int64) -> AuditBreak? {
        let message = checkpoint.treeHead?.message ?? AuditEncoding.checkpointMessage(
            sequence: checkpoint.sequence, headHash: checkpoint.headHash, timeMillis: checkpoint.timeMillis)
        guard let verifier else {
            return AuditBreak(
                sequence: checkpoint.sequence, checkpointId: checkpoint.id, rule: "checkpoint-key",
                explanation: "no public key was given to verify checkpoint signatures")
        }
        if checkpoint.keyFingerprint != verifier.keyFingerprint {
            return AuditBreak(
                sequence: checkpoint.sequence, checkpointId: checkpoint.id, rule: "checkpoint-key",
                explanation: "checkpoint \(checkpoint.id) was signed by key \(checkpoint.keyFingerprint.prefix(16))…, not by the given key \(verifier.keyFingerprint.prefix(16))…")
        }
        if !verifier.isValid(signature: checkpoint.signature, for: message, algorithm: checkpoint.algorithm) {
            return AuditBreak(
                sequence: checkpoint.sequence, checkpointId: checkpoint.id, rule: "checkpoint-signature",
                explanation: "the signature of checkpoint \(checkpoint.id) does not verify")
        }
        if checkpoint.sequence < previousSequence {
            return AuditBreak(
                sequence: checkpoint.sequence, checkpointId: checkpoint.id, rule: "checkpoint-order",
                explanation: "checkpoint \(checkpoint.id) signs an earlier head than the checkpoint before it")
        }
        if checkpoint.sequence > lastSequence {
            return AuditBreak(
                sequence: lastSequence + 1, checkpointId: checkpoint.id, rule: "truncated",
                explanation: "checkpoint \(checkpoint.id) signed record \(checkpoint.sequence), but the chain ends at record \(lastSequence)")
        }
        return nil
    }
}
