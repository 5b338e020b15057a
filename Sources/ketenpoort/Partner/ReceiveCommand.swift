import ArgumentParser
import Foundation
import KetenpoortCommandLine
import KetenpoortServer
import Logging

/// `ketenpoort receive`: runs the reference partner endpoint until SIGINT or SIGTERM.
struct ReceiveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "receive",
        abstract: "Run the reference partner endpoint: receive messages from the gateway over mutual TLS.",
        discussion: HelpText.flowing("""
            Accepts POST /v1/berichten, verifies the gateway's signature, validates schema and rules, writes
            accepted messages to the inbox as <BerichtId>.xml and answers with a signed Ontvangstbevestiging.
            Stops gracefully on SIGINT or SIGTERM. Logs one line per message (id, outcome, reason), never content.
            Exit codes: 0 stopped normally, 1 failed while running, 2 bad configuration.

            Example:
              ketenpoort pki dev ./dev-pki
              ketenpoort receive --config Examples/config/partner-shn.yaml
            """)
    )

    @Option(help: "The partner endpoint configuration (YAML), e.g. Examples/config/partner-shn.yaml.")
    var config: String

    func run() async throws {
        var logger = Logger(label: "ketenpoort.partner")
        logger.logLevel = .info
        let endpoint: PartnerEndpoint
        let configuration: PartnerEndpointConfiguration
        do {
            configuration = try PartnerEndpointConfiguration.load(file: config)
            endpoint = try PartnerEndpoint(configuration: configuration, logger: logger)
        } catch {
            printError("error: \(error)")
            throw ExitCode(2)
        }
        let host = configuration.listen.host
        let partner = configuration.partner
        do {
            try await endpoint.runUntilSignalled(logger: logger) { port in
                let line = "partner \(partner) listening on https://\(host):\(port)\(PartnerEndpoint.path)\n"
                FileHandle.standardOutput.write(Data(line.utf8))
            }
        } catch {
            printError("error: \(error)")
            throw ExitCode(1)
        }
    }
}
