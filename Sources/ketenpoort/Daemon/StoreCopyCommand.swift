import ArgumentParser
import Foundation
import KetenpoortCommandLine
import KetenpoortOperations
import KetenpoortPostgres
import KetenpoortServer
import KetenpoortStore

/// `ketenpoort store copy`: moves a single-node gateway's SQLite store to PostgreSQL.
struct StoreCopyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "copy",
        abstract: "Copy a SQLite state directory's store into an empty PostgreSQL store.",
        discussion: HelpText.flowing("""
            Stop the single-node gateway first: the copy takes its state directory's lock. Messages (their payloads
            stay sealed under the same data keys, which are copied wrapped by the target's key-encryption key),
            deliveries, the audit chain, checkpoints and witness cosignatures are copied in one transaction, so the
            target holds all of it or nothing. The target database must be new (migrated here if needed, but empty).
            Afterwards both chains are verified and their heads compared: the same head, or exit 1.

            Exit codes: 0 copied and verified, 1 the copies differ, 2 cannot open either store or the target is not empty.

            Example:
              ketenpoort store copy --from /var/lib/ketenpoort \\
                  --to /etc/ketenpoort/gateway-postgres.yaml
            """)
    )

    @Option(name: .customLong("from"), help: "The single-node gateway's state directory (holds ketenpoort.sqlite and keys/).")
    var source: String

    @Option(name: .customLong("to"), help: "A gateway configuration whose store section names the PostgreSQL database.")
    var target: String

    func run() async throws {
        try await runOperatorCommand {
            let configuration: GatewayConfiguration
            do {
                configuration = try ConfigurationLoader.load(file: target)
            } catch {
                throw OperatorFailure.usage("cannot read the configuration \(target): \(error)")
            }
            guard let settings = configuration.postgresSettings, let kekFile = settings.keyEncryptionKeyFile else {
                throw OperatorFailure.usage("\(target) names no PostgreSQL store with a keyEncryptionKeyFile (store: {kind: postgres, …})")
            }
            let lock: StateDirectoryLock
            let from: SQLiteStore
            let to: PostgresStore
            let kek: KeyEncryptionKey
            do {
                lock = try StateDirectoryLock(directory: source)
                from = try SQLiteStore.open(stateDirectory: source, access: .readOnly, payloadKeys: true)
                kek = try KeyEncryptionKey.read(file: kekFile)
                to = try await PostgresStore.open(settings: settings, access: .migrate, payloadKeys: false, logger: OperatorLog.quiet)
            } catch {
                throw OperatorFailure.usage("\(error)")
            }
            defer { lock.release() }
            let started = Date()
            let report: StoreCopyReport
            let line = ProgressLine()
            do {
                report = try await to.copy(from: from, kek: kek) { progress in
                    line.show("copied \(progress.messages) messages, \(progress.deliveries) deliveries, "
                              + "\(progress.auditRecords) audit records")
                }
            } catch {
                await to.shutdown()
                throw OperatorFailure.usage("nothing was copied: \(error)")
            }
            line.finish()
            print("copied to \(settings.displayName) in \(String(format: "%.1f", Date().timeIntervalSince(started))) s: "
                  + "\(report.messages) messages, \(report.deliveries) deliveries, \(report.auditRecords) audit records, "
                  + "\(report.checkpoints) checkpoints, \(report.cosignatures) cosignatures, \(report.payloadKeys) payload keys")
            // Checkpoints are verified with the signing certificate the target configuration names.
            let verifier = try PublicKeyLoading.verifier(certificatePath: configuration.signing.certificate, publicKeyPath: nil)
            let sourceHead = try await from.verifyAuditChain(verifier: verifier)
            let targetHead = try await to.verifyAuditChain(verifier: verifier)
            await to.shutdown()
            for (name, head) in [("source", sourceHead), ("target", targetHead)] {
                print("audit chain \(name): \(head.recordCount) records, \(head.checkpointCount) checkpoints, "
                      + "head \(head.headHash.hexString), " + (head.firstBreak.map { "BROKEN: \($0)" } ?? "intact"))
            }
            guard sourceHead.recordCount == targetHead.recordCount, sourceHead.headHash == targetHead.headHash,
                  sourceHead.checkpointCount == targetHead.checkpointCount, targetHead.isIntact else {
                throw OperatorFailure.refused("the copied audit chain differs from the source")
            }
        }
    }
}
