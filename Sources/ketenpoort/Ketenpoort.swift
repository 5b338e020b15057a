import ArgumentParser
import Foundation

/// The `ketenpoort` command: the gateway daemon and the operators' tool in one binary.
@main
struct Ketenpoort: AsyncParsableCommand {
    /// The release this binary is; `ketenpoort --version` prints it. Change it here only.
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "ketenpoort",
        abstract: "Message gateway between the Dutch police and its chain partners.",
        version: version,
        subcommands: [
            ValidateCommand.self,
            SignCommand.self,
            VerifyCommand.self,
            PKICommand.self,
            BenchCommand.self,
            ServeCommand.self,
            ReloadCommand.self,
            ConfigCommand.self,
            AuditCommand.self,
            ReceiveCommand.self,
            WitnessCommand.self,
            SubmitCommand.self,
            QueueCommand.self,
            TrailCommand.self,
            ReportCommand.self,
            CertsCommand.self,
            StoreCommand.self,
        ]
    )

    /// Parses and runs the command; exits with the documented codes (0 ok, 1 refused/invalid/not found,
    /// 2 usage error or unusable store/file) instead of ArgumentParser's 64 for usage errors.
    static func main() async {
        do {
            var command = try await asyncParseAsRoot(nil)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exitDocumented(error)
        }
    }

    /// Exits for `error` as ArgumentParser would (same message, help on stdout), but usage errors exit 2.
    static func exitDocumented(_ error: any Error) -> Never {
        guard exitCode(for: error) == .validationFailure else { exit(withError: error) }
        printError(fullMessage(for: error))
        Foundation.exit(OperatorExit.usage)
    }
}
