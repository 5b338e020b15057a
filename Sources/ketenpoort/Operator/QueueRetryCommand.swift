import ArgumentParser
import Foundation
import KetenpoortCommandLine
import KetenpoortOperations
import KetenpoortStore

/// `ketenpoort queue retry`: makes deferred (and with `--failed`, failed) deliveries due now; audited.
struct QueueRetryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retry",
        abstract: "Make deferred or failed deliveries due now (one message, a partner's, or all failed).",
        discussion: HelpText.flowing("""
            With a message id, every delivery of it (or the one to --partner) must be deferred or failed, else
            nothing changes and the exit code is 1. --partner P alone retries P's deferred deliveries (add --failed
            for its failed ones too); --failed alone retries every failed delivery.
            Examples:
              ketenpoort queue retry --partner shn \\
                  --reason "SHN endpoint back after outage INC-4410" --config gateway.yaml
              ketenpoort queue retry 1495dfa4-7a87-45a9-993a-4341b82f1d5f \\
                  --reason "partner asked" --state-dir /var/lib/ketenpoort
              ketenpoort queue retry --failed --reason "certificate renewed" \\
                  --config gateway.yaml
            """)
    )

    @Argument(help: "A message id (BerichtId); omit for a bulk retry.")
    var messageId: String?

    @Option(help: "Only deliveries to this partner id.")
    var partner: String?

    @Flag(help: "Retry failed deliveries (alone: every failed delivery; with --partner: that partner's too).")
    var failed = false

    @OptionGroup var location: StoreLocationOptions
    @OptionGroup var operatorOptions: OperatorOptions
    @OptionGroup var output: JSONOption

    /// Retries the selected deliveries.
    func run() async throws {
        try await runOperatorCommand {
            guard messageId != nil || partner != nil || failed else {
                throw OperatorFailure.usage("name a message id, --partner P or --failed")
            }
            let states: [DeliveryState] = partner != nil ? [.deferred] + (failed ? [.failed] : []) : [.failed]
            try await QueueActionCommand.perform(
                .retry, on: ActionTarget(messageId: messageId, partner: partner, bulkStates: states),
                location: location, operatorOptions: operatorOptions, json: output.json)
        }
    }
}
