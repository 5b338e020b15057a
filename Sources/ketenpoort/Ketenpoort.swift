import ArgumentParser

/// The `ketenpoort` command: the gateway daemon and the operators' tool in one binary.
@main
struct Ketenpoort: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ketenpoort",
        abstract: "Message gateway between the Dutch police and its chain partners.",
        subcommands: [
            ValidateCommand.self,
            SignCommand.self,
            VerifyCommand.self,
            PKICommand.self,
            BenchCommand.self,
            ServeCommand.self,
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
}
