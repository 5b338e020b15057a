import ArgumentParser

/// Audit trail commands: verify the hash chain and its checkpoints, export records, sign the head.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Verify, export and checkpoint the tamper-evident audit trail.",
        subcommands: [AuditVerifyCommand.self, AuditExportCommand.self, AuditCheckpointCommand.self, AuditProveCommand.self, AuditStatusCommand.self]
    )
}
