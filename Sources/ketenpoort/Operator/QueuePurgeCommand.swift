import ArgumentParser
import Foundation
import KetenpoortCommandLine

/// `ketenpoort queue purge ID --reason`: deletes a message's payload now; metadata and audit stay.
struct QueuePurgeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "purge",
        abstract: "Delete a message's payload now (its deliveries must be final or held); the audit trail stays.",
        discussion: HelpText.flowing("""
            Refused (exit 1, nothing changed) while a delivery is queued, sending or deferred: hold it first.
            Example:
              ketenpoort queue purge 1495dfa4-7a87-45a9-993a-4341b82f1d5f \\
                  --reason "sent to the wrong region, AVG request 2026-118" \\
                  --config gateway.yaml
            """)
    )

    @Argument(help: "The message id (BerichtId).")
    var messageId: String

    @OptionGroup var location: StoreLocationOptions
    @OptionGroup var operatorOptions: OperatorOptions
    @OptionGroup var output: JSONOption

    private struct PurgeOutput: Encodable {
        var message_id: String
        var purged: Bool
        var operator_name: String
    }

    /// Purges the payload, or explains why not.
    func run() async throws {
        try await runOperatorCommand {
            let action = try operatorOptions.action(for: "purge")
            let store = try await location.open(access: .readWrite)
            defer { try? store.close() }
            try await store.purgePayload(messageId: messageId, by: action, now: Date())
            if output.json {
                try Output.json(PurgeOutput(message_id: messageId, purged: true, operator_name: action.name))
            } else {
                Output.text("payload of message \(messageId) purged by \(action.name); metadata and audit trail kept")
            }
        }
    }
}
