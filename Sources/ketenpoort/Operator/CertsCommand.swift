import ArgumentParser

/// `ketenpoort certs`: certificate checks for operators.
struct CertsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "certs",
        abstract: "Watch the configured certificates (own and partners').",
        subcommands: [CertsCheckCommand.self]
    )
}
