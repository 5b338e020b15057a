import ArgumentParser
import Foundation
import KetenpoortCommandLine
import KetenpoortPostgres
import KetenpoortServer
import Logging

/// `ketenpoort config check FILE`: every problem in a configuration, each with its key.
struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Check a gateway configuration.",
        subcommands: [ConfigCheckCommand.self]
    )
}

/// Checks one configuration file.
struct ConfigCheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Report each problem in a configuration file with the key that has it.",
        discussion: HelpText.flowing("""
            Loads every certificate, key and table the file names. With a PostgreSQL store (store.kind: postgres)
            it also connects to the database, read-only, and reports what is wrong under `store:`.
            Exit codes: 0 usable (warnings may be printed), 1 problems found, 2 the file cannot be read or parsed.

            Example:
              ketenpoort config check Examples/config/gateway.yaml
            """)
    )

    @Argument(help: "The YAML configuration file.")
    var file: String

    func run() async throws {
        let configuration: GatewayConfiguration
        do {
            configuration = try ConfigurationLoader.load(file: file)
        } catch let error as ConfigurationError {
            for problem in error.problems { print("\(file): error: \(problem)") }
            throw ExitCode(2)
        }
        let check = ConfigurationCheck(configuration)
        for warning in check.warnings { print("\(file): warning: \(warning)") }
        for problem in check.problems { print("\(file): error: \(problem)") }
        let storeProblems = await connectionProblems(configuration, staticProblems: check.problems)
        for problem in storeProblems { print("\(file): error: store: \(problem)") }
        if check.problems.isEmpty && storeProblems.isEmpty {
            print("\(file): ok (\(configuration.partners.count) partners, \(configuration.senders.count) senders)")
            let retention = ConfigurationCheck.retentionDays(configuration).map { "\($0.kind) \($0.days)" }.joined(separator: ", ")
            print("\(file): retention: payloads are purged this many days after receipt: \(retention); "
                  + "a delivery not final by then fails (retention-expired)")
            let limits = configuration.intake.effectiveLimits
            let descriptors = FileDescriptorLimit.current().map { "soft \($0.soft), hard \($0.hard); serve raises the soft limit to the hard one" }
                ?? "unknown"
            print("\(file): intake: at most \(limits.effectiveMaxConnections) connections (\(limits.effectiveMaxConnectionsPerPeer) per peer), "
                  + "\(limits.effectiveMaxConcurrentRequests) requests in admission; open-file limit: \(descriptors)")
        } else {
            throw ExitCode(1)
        }
    }

    /// With a PostgreSQL store whose section passed the static checks: what connecting to it reports (empty = fine).
    private func connectionProblems(_ configuration: GatewayConfiguration, staticProblems: [ConfigurationProblem]) async -> [String] {
        guard let settings = configuration.postgresSettings else { return [] }
        guard !staticProblems.contains(where: { $0.key.hasPrefix("store.") }) else {
            print("\(file): store: not connecting to \(settings.displayName) until the store section's problems are fixed")
            return []
        }
        var logger = Logger(label: "ketenpoort.config-check")
        logger.logLevel = .error
        let problems = await PostgresStore.checkConnection(settings: settings, logger: logger)
        if problems.isEmpty { print("\(file): store: connected to \(settings.displayName); the schema is usable") }
        return problems
    }
}
