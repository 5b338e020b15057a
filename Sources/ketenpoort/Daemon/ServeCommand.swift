import ArgumentParser
import Foundation
import KetenpoortCommandLine
import KetenpoortOperations
import KetenpoortServer
import Logging

/// `ketenpoort serve`: the gateway daemon, or a complete development set-up with `--dev`.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the gateway (intake over mutual TLS, delivery with retries and signed receipts).",
        discussion: HelpText.flowing("""
            With --dev: creates a development PKI and state directory in a temporary folder, starts the
            gateway with reference partner endpoints for SHN and three Veilig Thuis regions in the same
            process, and prints a `ketenpoort submit` command to try. Nothing of it is for production.

            SIGTERM or SIGINT: stop accepting, finish in-flight intake, release leases, write an audit
            checkpoint, exit 0. SIGHUP (or `ketenpoort reload --config FILE`): reread the configuration file and
            apply it whole (certificates, CRLs, partners, senders, routing table) or refuse it and keep running
            as before; audited as config.reloaded. When any part fails or ends on its own (a listener cannot bind, a checkpoint
            cannot be written, …) the gateway prints one line naming the part and the reason, shuts down
            within the request timeout plus 25 s, and exits 1. Exit 2: it could not start (configuration,
            keys, another gateway on the state directory, a store written by a newer ketenpoort).
            --dev removes its temporary directory on exit unless --keep is given.

            At start the gateway checks its audit trail (append-only triggers, contiguous checkpoints, the last
            signed tree head and every record after it) and refuses a broken one with one line naming the first
            bad record or checkpoint (exit 1); --accept-broken-audit starts anyway and records audit.broken-accepted.

            Examples:
              ketenpoort serve --dev
              ketenpoort serve --config /etc/ketenpoort/gateway.yaml
            """)
    )

    @Option(help: "The YAML configuration file.")
    var config: String?

    @Flag(help: "Development mode: ephemeral PKI, state and partner endpoints.")
    var dev = false

    @Flag(help: "In --dev mode: keep the temporary directory (PKI, state, inboxes) on exit.")
    var keep = false

    @Option(help: "Intake port in --dev mode.")
    var port: Int = 8443

    @Flag(help: "Start even when the audit trail fails the start-up check (the start is audited as audit.broken-accepted).")
    var acceptBrokenAudit = false

    @Option(help: "Log format: logfmt or json.")
    var logFormat: LogFormat = .logfmt

    @Option(help: "Log level: trace, debug, info, notice, warning, error.")
    var logLevel: String = "info"

    func validate() throws {
        if dev == (config != nil) {
            throw ValidationError("give either --config FILE or --dev")
        }
        if keep && !dev {
            throw ValidationError("--keep applies only to --dev")
        }
    }

    func run() async throws {
        let logger = LogSetup.bootstrap(format: logFormat, level: Logger.Level(rawValue: logLevel) ?? .info)
        if dev {
            do {
                try await DevMode(intakePort: port, keep: keep, logger: logger, notice: { printError($0) },
                                  announce: { FileHandle.standardOutput.write(Data($0.utf8)) }).run()
            } catch {
                printError("error: ketenpoort serve --dev stopped: \(error)")
                throw ExitCode(1)
            }
            return
        }
        guard let config else { throw ExitCode(2) }
        let gateway: Gateway
        do {
            gateway = try await Gateway.open(configuration: try ConfigurationLoader.load(file: config), logger: logger,
                                             acceptBrokenAudit: acceptBrokenAudit)
        } catch {
            printError("error: \(error)")
            throw ExitCode(2)
        }
        // Under systemd (Type=notify): READY=1 once listening, watchdog pings, STOPPING=1 on SIGTERM.
        let systemd = SystemdNotifier.fromEnvironment().map { notifier in Task { await notifier.follow(gateway) } }
        defer { systemd?.cancel() }
        do {
            // SIGHUP rereads this file (what `ketenpoort reload` sends).
            try await gateway.run(reloadFrom: URL(fileURLWithPath: config).path)
        } catch {
            // One line: which part stopped the gateway, and why.
            printError("error: ketenpoort serve stopped: \(error)")
            throw ExitCode(1)
        }
    }
}
