import ArgumentParser
import Foundation
import KetenpoortCommandLine

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

    /// Parses and runs the command with the documented exit codes.
    static func main() async {
        await mainWithDocumentedExit()
    }
}
