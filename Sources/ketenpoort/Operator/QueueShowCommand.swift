import ArgumentParser
import Foundation
import KetenpoortCommandLine
import KetenpoortOperations
import KetenpoortStore

/// `ketenpoort queue show ID`: a message's metadata, deliveries, attempts and receipts; `--payload` is audited.
struct QueueShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show a message: metadata, deliveries, every attempt, receipts (no payload unless --payload).",
        discussion: HelpText.flowing("""
            --payload prints the signed message after the metadata; reading it is recorded in the audit trail
            (event payload.read) with your name and reason.
            Examples:
              ketenpoort queue show 1495dfa4-7a87-45a9-993a-4341b82f1d5f \\
                  --state-dir /var/lib/ketenpoort
              ketenpoort queue show 1495dfa4-7a87-45a9-993a-4341b82f1d5f \\
                  --config gateway.yaml --json
              ketenpoort queue show 1495dfa4-… --config gateway.yaml --payload \\
                  --reason "INC-2211 partner asks for a copy"
            """)
    )

    @Argument(help: "The message id (BerichtId).")
    var messageId: String

    @OptionGroup var location: StoreLocationOptions
    @OptionGroup var output: JSONOption
    @OptionGroup var operatorOptions: OperatorOptions

    @Flag(help: "Also print the signed message (audited; needs --reason).")
    var payload = false

    /// Prints the message, or exits 1 when it is unknown.
    func run() async throws {
        try await runOperatorCommand {
            let action = payload ? try operatorOptions.action(for: "reading a payload") : nil
            let store = try await location.open(access: payload ? .readWrite : .readOnly, payloadKeys: payload)
            defer { try? store.close() }
            guard let status = try await store.status(messageId: messageId) else {
                throw OperatorFailure.refused("message \(messageId) is not in the store")
            }
            let trail = try await store.auditTrail(messageId: messageId)
            let view = MessageView(status: status, trail: trail)
            var payloadBytes: Data?
            if let action {
                guard let bytes = try await store.payload(messageId: messageId) else {
                    throw OperatorFailure.refused("the payload of message \(messageId) was purged; only metadata and audit remain")
                }
                try await store.record(
                    event: .payloadRead, messageId: messageId, partner: "", actor: .operator(action.name),
                    detail: "bytes=\(bytes.count) reason=\"\(action.reason.replacingOccurrences(of: "\"", with: "'"))\"",
                    now: Date())
                payloadBytes = bytes
            }
            if output.json {
                var json = view.json
                json.payload_base64 = payloadBytes?.base64EncodedString()
                try Output.json(json)
            } else {
                Output.text(view.text)
                if let payloadBytes {
                    Output.text("--- payload (\(payloadBytes.count) bytes; this read is audited) ---")
                    FileHandle.standardOutput.write(payloadBytes)
                    Output.text("")
                }
            }
        }
    }
}
