import ArgumentParser
import KetenpoortCommandLine

/// `ketenpoort queue`: see and steer the delivery queue (as Postfix's postqueue and postsuper).
struct QueueCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "queue",
        abstract: "See and steer the delivery queue: status, list, show, retry, hold, release, purge.",
        discussion: HelpText.flowing("""
            Works on the store directly, also while the daemon runs; the daemon picks up changes within a second.
            Exit codes: 0 ok, 1 refused or not found, 2 usage error or the store cannot be opened.
            """),
        subcommands: [
            QueueStatusCommand.self, QueueListCommand.self, QueueShowCommand.self, QueueRetryCommand.self,
            QueueHoldCommand.self, QueueReleaseCommand.self, QueuePurgeCommand.self,
        ]
    )
}
