import ArgumentParser
import Foundation
import KetenpoortServer
import Logging

/// `ketenpoort serve`: the gateway daemon, or a complete development set-up with `--dev`.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the gateway (intake over mutual TLS, delivery with retries and signed receipts).",
        discussion: """
            With --dev: creates a development PKI and state directory in a temporary folder, starts the
            gateway with reference partner endpoints for SHN and three Veilig Thuis regions in the same
            process, and prints a `ketenpoort submit` command to try. Nothing of it is for production.

            SIGTERM or SIGINT: stop accepting, finish in-flight intake, release leases, write an audit
            checkpoint, exit 0.

            Examples:
              ketenpoort serve --dev
              ketenpoort serve --config /etc/ketenpoort/gateway.yaml
            """
    )

    @Option(help: "The YAML configuration file.")
    var config: String?

    @Flag(help: "Development mode: ephemeral PKI, state and partner endpoints.")
    var dev = false

    @Option(help: "Intake port in --dev mode.")
    var port: Int = 8443

    @Option(help: "Log format: logfmt or json.")
    var logFormat: LogFormat = .logfmt

    @Option(help: "Log level: trace, debug, info, notice, warning, error.")
    var logLevel: String = "info"

    func validate() throws {
        if dev == (config != nil) {
            throw ValidationError("give either --config FILE or --dev")
        }
    }

    func run() async throws {
        let logger = LogSetup.bootstrap(format: logFormat, level: Logger.Level(rawValue: logLevel) ?? .info)
        if dev {
            try await DevMode(intakePort: port, logger: logger).run()
            return
        }
        guard let config else { throw ExitCode(2) }
        let gateway: Gateway
        do {
            gateway = try Gateway(configuration: try ConfigurationLoader.load(file: config), logger: logger)
        } catch {
            printError("error: \(error)")
            throw ExitCode(2)
        }
        try await gateway.run()
    }
}
