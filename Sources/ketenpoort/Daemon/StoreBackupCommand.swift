import ArgumentParser
import Foundation
import KetenpoortCommandLine
import KetenpoortOperations
import KetenpoortStore

/// `ketenpoort store backup`: a consistent copy of a SQLite state directory, taken while the gateway runs, then verified.
struct StoreBackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Copy a SQLite store and its payload keys as of one moment, beside the running gateway, and verify the copy.",
        discussion: HelpText.flowing("""
            The gateway keeps running: the database is copied in one read transaction while it writes on. The payload
            keys are copied after it, so the copy opens and decrypts on its own; protect the backup as you protect the
            state directory (it holds those keys). Then the copy is reopened and its audit chain verified (with the
            signing certificate when --config or --cert names it). To restore, see docs/operations.md.
            A PostgreSQL store is backed up with PostgreSQL's own tools (pg_basebackup with WAL archiving).

            Exit codes: 0 written and verified, 1 written but it does not open or verify, 2 nothing written
            (the target is not empty, the store cannot be read, a PostgreSQL store).

            Examples:
              ketenpoort store backup --config /etc/ketenpoort/gateway.yaml \\
                  --to /var/backups/ketenpoort/2026-12-08
              ketenpoort store backup --state-dir /var/lib/ketenpoort --to /mnt/backup/kp-1
            """)
    )

    @OptionGroup var location: StoreLocationOptions

    @Option(name: .customLong("to"), help: "A new or empty directory for the copy (created with mode 0700).")
    var target: String

    @Option(name: .customLong("cert"), help: "The gateway signing certificate (PEM) to check the copy's tree heads (default with --config: its signing.certificate).")
    var certificate: String?

    func run() async throws {
        try await runOperatorCommand {
            let configuration = try location.configuration()
            if let settings = configuration?.postgresSettings {
                throw OperatorFailure.usage("the store at \(settings.displayName) is PostgreSQL: back it up with pg_basebackup and "
                                            + "WAL archiving (see docs/operations.md); store backup copies a SQLite state directory")
            }
            let directory = try location.resolvedDirectory()
            var verifier: SoftwareCheckpointVerifier?
            if let path = certificate ?? configuration?.signing.certificate {
                do {
                    verifier = try PublicKeyLoading.verifier(certificatePath: path, publicKeyPath: nil)
                } catch {
                    throw OperatorFailure.usage("\(error)")
                }
            }
            let progress = ProgressLine()
            let report = try await StoreBackup(stateDirectory: directory, target: target, verifier: verifier).run { checked, total in
                progress.show("verifying the copy: \(checked) / \(total) audit records")
            }
            progress.finish()
            let megabytes = String(format: "%.1f", Double(report.written.databaseBytes) / 1_048_576)
            print("backup of \(directory) written to \(target) in \(String(format: "%.1f", report.seconds)) s: "
                  + "\(megabytes) MiB database, \(report.written.payloadKeys) payload key(s), \(report.deliveries) deliveries")
            print("the copy opens with its own keys; audit chain verified: \(report.chain.recordCount) records, "
                  + "\(report.chain.checkpointCount) signed tree heads"
                  + (verifier == nil ? " (signatures not checked: give --cert or --config)" : "")
                  + ", head \(report.chain.headHash.hexString)")
        }
    }
}
