import ArgumentParser
import Foundation
import KetenpoortCommandLine
import KetenpoortOperations
import KetenpoortStore

/// `ketenpoort report --since T`: per partner and kind, accepted/delivered/failed/pending and delivery time p50/p95.
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Figures per partner and kind for messages received since T: accepted, delivered, failed, pending, p50/p95.",
        discussion: HelpText.flowing("""
            Counts are of deliveries (one per message and partner) of the messages received in the period, in
            their state now. Delivery time is from receipt at the gateway to the partner's receipt being stored.
            Examples:
              ketenpoort report --since 2026-01-01 --until 2026-04-01 --config gateway.yaml
              ketenpoort report --since 24h --state-dir /var/lib/ketenpoort --json
              ketenpoort report --since 2026-01-01 --config gateway.yaml --csv > q1.csv
            """)
    )

    @Option(help: "Start of the period: ISO 8601 date or date-time, or a duration ago (24h, 7d).")
    var since: String

    @Option(help: "End of the period (exclusive), same forms; default now.")
    var until: String?

    @Flag(help: "Print comma-separated values with a header line.")
    var csv = false

    @OptionGroup var location: StoreLocationOptions
    @OptionGroup var output: JSONOption

    private struct ReportJSON: Encodable {
        var since: String?
        var until: String?
        var rows: [DeliveryReportRow]
    }

    /// Prints the report as a table, JSON or CSV.
    func run() async throws {
        try await runOperatorCommand {
            let now = Date()
            guard let from = TimeText.parseMoment(since, now: now) else {
                throw OperatorFailure.usage("--since \(since) is not an ISO 8601 date(-time) or a duration (24h, 7d)")
            }
            let to = try until.map { text in
                guard let date = TimeText.parseMoment(text, now: now) else {
                    throw OperatorFailure.usage("--until \(text) is not an ISO 8601 date(-time) or a duration (24h, 7d)")
                }
                return date
            } ?? now
            guard !(csv && output.json) else { throw OperatorFailure.usage("give only one of --json and --csv") }
            let store = try await location.open()
            defer { try? store.close() }
            let rows = DeliveryReport.rows(try await store.deliveryFacts(since: from, until: to))
            if output.json {
                try Output.json(ReportJSON(since: TimeText.json(from), until: TimeText.json(to), rows: rows))
            } else if csv {
                Output.text(CSV.line(["partner", "kind", "accepted", "delivered", "failed", "pending",
                                      "delivery_seconds_p50", "delivery_seconds_p95"]))
                for row in rows {
                    Output.text(CSV.line([row.partner, row.kind, String(row.accepted), String(row.delivered),
                                          String(row.failed), String(row.pending),
                                          row.delivery_seconds_p50.map { String($0) } ?? "",
                                          row.delivery_seconds_p95.map { String($0) } ?? ""]))
                }
            } else {
                Output.text("messages received \(TimeText.time(from)) up to \(TimeText.time(to))")
                var table = TextTable(["PARTNER", "KIND", "ACCEPTED", "DELIVERED", "FAILED", "PENDING", "P50", "P95"],
                                      rightAligned: [2, 3, 4, 5, 6, 7])
                for row in rows {
                    table.add([row.partner, row.kind, String(row.accepted), String(row.delivered), String(row.failed),
                               String(row.pending), row.delivery_seconds_p50.map(TimeText.duration) ?? "-",
                               row.delivery_seconds_p95.map(TimeText.duration) ?? "-"])
                }
                Output.text(table.render())
            }
        }
    }
}
