import ArgumentParser
import Foundation
import KetenpoortCommandLine
import KetenpoortOperations

/// `ketenpoort queue hold`: keeps queued or deferred deliveries from being dispatched; audited.
struct QueueHoldCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hold",
        abstract: "Hold queued or deferred deliveries (one message or a partner's) until released.",
        discussion: HelpText.flowing("""
            With a message id, every delivery of it (or the one to --partner) must be queued or deferred, else
            nothing changes and the exit code is 1. --partner P alone holds all of P's queued and deferred deliveries.
            Examples:
              ketenpoort queue hold --partner vt-haaglanden \\
                  --reason "VT Haaglanden migrates its endpoint" --config gateway.yaml
              ketenpoort queue hold 1495dfa4-7a87-45a9-993a-4341b82f1d5f \\
                  --reason "sender asks to stop" --state-dir /var/lib/ketenpoort
            """)
    )

    @Argument(help: "A message id (BerichtId); omit with --partner for a bulk hold.")
    var messageId: String?

    @Option(help: "Only deliveries to this partner id.")
    var partner: String?

    @OptionGroup var location: StoreLocationOptions
    @OptionGroup var operatorOptions: OperatorOptions
    @OptionGroup var output: JSONOption

    /// Holds the selected deliveries.
    func run() async throws {
        try await runOperatorCommand {
            guard messageId != nil || partner != nil else { throw OperatorFailure.usage("name a message id or --partner P") }
            try await QueueActionCommand.perform(
                .hold, on: ActionTarget(messageId: messageId, partner: partner, bulkStates: [.queued, .deferred]),
                location: location, operatorOptions: operatorOptions, json: output.json)
        }
    }
}
