import ArgumentParser
import Foundation
import KetenpoortCommandLine
import KetenpoortOperations
import KetenpoortStore

/// `ketenpoort queue list`: deliveries filtered by partner, state, kind, age and urgency, a page at a time.
struct QueueListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List deliveries with filters, a page at a time (--after for the next page).",
        discussion: HelpText.flowing("""
            Examples:
              ketenpoort queue list --state-dir /var/lib/ketenpoort \\
                  --partner vt-haaglanden --state deferred
              ketenpoort queue list --config gateway.yaml --older-than 2h --urgent --json
              ketenpoort queue list --config gateway.yaml --kind Zorgmelding --limit 100 \\
                  --after 52311
            """)
    )

    @OptionGroup var location: StoreLocationOptions
    @OptionGroup var output: JSONOption

    @Option(help: "Only deliveries to this partner id.")
    var partner: String?

    @Option(help: "Only this state: queued, sending, deferred, held, delivered, failed.")
    var state: String?

    @Option(help: "Only messages of this kind, e.g. Zorgmelding.")
    var kind: String?

    @Option(name: .customLong("older-than"), help: "Only messages received longer ago than this (90s, 30m, 2h, 3d).")
    var olderThan: String?

    @Flag(help: "Only urgent messages.")
    var urgent = false

    @Option(help: "At most this many deliveries.")
    var limit = 50

    @Option(help: "Start after this delivery id (the next page; printed at the end of a full page).")
    var after: Int64?

    /// Prints one page of matching deliveries.
    func run() async throws {
        try await runOperatorCommand {
            let now = Date()
            let filter = try makeFilter(now: now)
            guard limit > 0 else { throw OperatorFailure.usage("--limit must be positive") }
            let store = try await location.open()
            defer { try? store.close() }
            let entries = try await store.listQueue(filter, after: after, limit: limit)
            let nextAfter = entries.count == limit ? entries.last?.delivery.id : nil
            if output.json {
                try Output.json(ListOutput(entries: entries.map { QueueEntryJSON($0, now: now) }, next_after: nextAfter))
                return
            }
            var table = TextTable(
                ["DELIVERY", "MESSAGE", "PARTNER", "KIND", "STATE", "URGENT", "ATTEMPTS", "AGE", "NEXT ATTEMPT", "LAST ERROR"],
                rightAligned: [0, 6, 7])
            for entry in entries {
                let delivery = entry.delivery
                table.add([
                    String(delivery.id), delivery.messageId, delivery.partner, entry.kind, delivery.state.rawValue,
                    delivery.urgent ? "yes" : "no", String(delivery.attempts),
                    TimeText.duration(now.timeIntervalSince(entry.receivedAt)),
                    delivery.state == .queued || delivery.state == .deferred ? TimeText.time(delivery.nextAttemptAt) : "-",
                    delivery.lastErrorClass?.rawValue ?? "-",
                ])
            }
            Output.text(table.render())
            if let nextAfter {
                Output.text("more may follow: add --after \(nextAfter)")
            }
        }
    }

    private func makeFilter(now: Date) throws -> QueueFilter {
        var states: [DeliveryState]?
        if let state {
            guard let parsed = DeliveryState(rawValue: state) else {
                let known = DeliveryState.allCases.map(\.rawValue).joined(separator: ", ")
                throw OperatorFailure.usage("--state \(state) is not a state; use one of \(known)")
            }
            states = [parsed]
        }
        var before: Date?
        if let olderThan {
            guard let seconds = TimeText.parseDuration(olderThan) else {
                throw OperatorFailure.usage("--older-than \(olderThan) is not a duration (e.g. 90s, 30m, 2h, 3d)")
            }
            before = now.addingTimeInterval(-seconds)
        }
        return QueueFilter(partner: partner, states: states, kind: kind, receivedBefore: before, urgent: urgent ? true : nil)
    }

    private struct ListOutput: Encodable {
        var entries: [QueueEntryJSON]
        var next_after: Int64?
    }
}

/// The JSON form of a listed delivery.
struct QueueEntryJSON: Encodable {
    var delivery_id: Int64
    var message_id: String
    var partner: String
    var kind: String
    var state: String
    var urgent: Bool
    var attempts: Int
    var received_at: String?
    var age_seconds: Int
    var next_attempt_at: String?
    var last_error_class: String?

    /// Builds the JSON form of `entry` as seen at `now`.
    init(_ entry: QueueEntry, now: Date) {
        let delivery = entry.delivery
        delivery_id = delivery.id
        message_id = delivery.messageId
        partner = delivery.partner
        kind = entry.kind
        state = delivery.state.rawValue
        urgent = delivery.urgent
        attempts = delivery.attempts
        received_at = TimeText.json(entry.receivedAt)
        age_seconds = Int(now.timeIntervalSince(entry.receivedAt))
        next_attempt_at = delivery.state == .queued || delivery.state == .deferred ? TimeText.json(delivery.nextAttemptAt) : nil
        last_error_class = delivery.lastErrorClass?.rawValue
    }
}
