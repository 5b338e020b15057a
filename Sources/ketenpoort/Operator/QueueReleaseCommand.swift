import ArgumentParser
import Foundation
import KetenpoortCommandLine
import KetenpoortOperations

/// `ketenpoort queue release`: makes held deliveries due now; audited.
struct QueueReleaseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "release",
        abstract: "Release held deliveries (one message or a partner's); they are due at once.",
        discussion: HelpText.flowing("""
            With a message id, every delivery of it (or the one to --partner) must be held, else nothing changes
            and the exit code is 1. --partner P alone releases all of P's held deliveries.
            Examples:
              ketenpoort queue release --partner shn --reason "SHN endpoint is back" \\
                  --config gateway.yaml
              ketenpoort queue release 1495dfa4-7a87-45a9-993a-4341b82f1d5f \\
                  --reason "checked with sender" --state-dir /var/lib/ketenpoort
            """)
    )

    @Argument(help: "A message id (BerichtId); omit with --partner for a bulk release.")
    var messageId: String?

    @Option(help: "Only deliveries to this partner id.")
    var partner: String?

    @OptionGroup var location: StoreLocationOptions
    @OptionGroup var operatorOptions: OperatorOptions
    @OptionGroup var output: JSONOption

    /// Releases the selected deliveries.
    func run() async throws {
        try await runOperatorCommand {
            guard messageId != nil || partner != nil else { throw OperatorFailure.usage("name a message id or --partner P") }
            try await QueueActionCommand.perform(
                .release, on: ActionTarget(messageId: messageId, partner: partner, bulkStates: [.held]),
                location: location, operatorOptions: operatorOptions, json: output.json)
        }
    }
}
