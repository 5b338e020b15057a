import ArgumentParser

/// Development PKI commands: `ketenpoort pki dev` and `ketenpoort pki show`.
struct PKICommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pki",
        abstract: "Development PKI and certificate inspection.",
        subcommands: [PKIDevCommand.self, PKIShowCommand.self]
    )
}
