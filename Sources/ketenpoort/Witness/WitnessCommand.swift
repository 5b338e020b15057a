import ArgumentParser
import Foundation
import KetenpoortCommandLine
import KetenpoortServer
import Logging

/// `ketenpoort witness`: runs the reference witness until SIGINT or SIGTERM.
struct WitnessCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "witness",
        abstract: "Run the reference witness: cosign a gateway's signed tree heads, refuse inconsistent ones.",
        discussion: HelpText.flowing("""
            Run by another organisation on another host. Accepts POST /v1/tree-heads over mutual TLS from the
            configured gateway keys only; a head is accepted only with a valid signature and a valid consistency
            proof from the last head held for that key, stored append-only (hash-chained, fsync) and cosigned.
            A head that is inconsistent, older, or of a size already witnessed with another root (a split view)
            is refused with 422, kept as evidence, logged at error level and counted in
            ketenpoort_witness_alerts_total. GET /v1/tree-heads/latest?key_sha256=HEX gives the latest head.
            Exit codes: 0 stopped normally, 1 failed while running, 2 bad configuration or broken ledger.

            Example:
              ketenpoort witness --config Examples/config/witness.yaml
            """)
    )

    @Option(help: "The witness configuration (YAML), e.g. Examples/config/witness.yaml.")
    var config: String

    func run() async throws {
        var logger = Logger(label: "ketenpoort.witness")
        logger.logLevel = .info
        let server: WitnessServer
        do {
            server = try WitnessServer(configuration: try WitnessConfiguration.load(file: config), logger: logger)
        } catch {
            printError("error: \(error)")
            throw ExitCode(2)
        }
        let host = server.configuration.listen.host
        let name = server.configuration.name
        do {
            try await server.runUntilSignalled(logger: logger) { port in
                FileHandle.standardOutput.write(Data("witness \(name) listening on https://\(host):\(port)\n".utf8))
            }
        } catch {
            printError("error: \(error)")
            throw ExitCode(1)
        }
    }
}
