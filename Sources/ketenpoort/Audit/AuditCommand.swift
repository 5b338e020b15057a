import ArgumentParser

/// Audit trail commands.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "audit", abstract: "Audit trail (placeholder).")
}
