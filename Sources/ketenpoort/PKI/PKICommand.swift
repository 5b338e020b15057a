import ArgumentParser

/// Development PKI commands.
struct PKICommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "pki", abstract: "Development PKI (placeholder).")
}
