import ArgumentParser
import Crypto
import Foundation
import KetenpoortCommandLine
import KetenpoortOperations
import KetenpoortServer
import KetenpoortStore

/// `ketenpoort reload --config FILE`: makes the running gateway reread its configuration and prints the outcome.
struct ReloadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reload",
        abstract: "Make the running gateway reread its configuration file (as SIGHUP does) and print the outcome.",
        discussion: HelpText.flowing("""
            Finds the gateway by the lock in the configuration's state directory, sends it SIGHUP and
            waits for the config.reloaded audit record it writes. The gateway rereads the file it was
            started with: certificates, CRLs, partners, senders and the routing table. It checks the
            whole file first; a file with any problem, or one that changes a key that needs a restart
            (listeners, stateDirectory, store, signing, timeouts, retry, retention, audit, witnesses),
            is refused and the running configuration stays.

            Exit codes: 0 applied, 1 refused or no answer in time, 2 the configuration or store cannot
            be read or no gateway runs on the state directory.

            Example:
              ketenpoort reload --config /etc/ketenpoort/gateway.yaml
            """)
    )

    @Option(help: "The running gateway's YAML configuration file.")
    var config: String

    @Option(help: "Seconds to wait for the gateway's answer.")
    var timeout: Int = 30

    func run() async throws {
        try await runOperatorCommand {
            let configuration: GatewayConfiguration
            do {
                configuration = try ConfigurationLoader.load(file: config)
            } catch {
                throw OperatorFailure.usage("cannot read the configuration \(config): \(error)")
            }
            let lockFile = (configuration.stateDirectory as NSString).appendingPathComponent(StateDirectoryLock.fileName)
            if FileManager.default.fileExists(atPath: lockFile), !FileManager.default.isReadableFile(atPath: lockFile) {
                throw OperatorFailure.usage("cannot read \(lockFile): permission denied; run as the gateway's user (or root)")
            }
            guard RunningGatewayProcess.holder(stateDirectory: configuration.stateDirectory) != nil else {
                throw OperatorFailure.usage(ReloadRequest.Failure.noGateway(stateDirectory: configuration.stateDirectory).description)
            }
            let store: ConfiguredStore
            do {
                store = try await StoreOpening.open(configuration, access: .readOnly, payloadKeys: false, logger: OperatorLog.quiet)
            } catch {
                throw OperatorFailure.usage("cannot open the store at \(StoreOpening.describe(configuration)): \(error)")
            }
            let answer: Result<AuditRecord, any Error>
            do {
                answer = .success(try await ReloadRequest.send(stateDirectory: configuration.stateDirectory, store: store,
                                                               timeoutSeconds: timeout))
            } catch {
                answer = .failure(error)
            }
            await StoreOpening.close(store)
            let record: AuditRecord
            switch answer {
            case .success(let found):
                record = found
            case .failure(let failure as ReloadRequest.Failure):
                if case .noGateway = failure { throw OperatorFailure.usage(failure.description) }
                throw OperatorFailure.refused(failure.description)
            case .failure(let error):
                throw error
            }
            let fields = AuditDetail.fields(record.detail)
            let fileHash = FileManager.default.contents(atPath: config).map { SHA256.hash(data: $0).map { String(format: "%02x", $0) }.joined() }
            if let read = fields["sha256"], let fileHash, read != fileHash {
                printError("warning: the gateway read a file with SHA-256 \(read), not \(config) (\(fileHash)); it rereads the file it was started with")
            }
            guard fields["outcome"] == "applied" else {
                throw OperatorFailure.refused("reload refused, the running configuration stays: \(fields["reason"] ?? record.detail)")
            }
            print("reload applied (audit record \(record.sequence), sha256 \(fields["sha256"] ?? "?")); changed: \(fields["changes"] ?? "none")")
        }
    }
}
