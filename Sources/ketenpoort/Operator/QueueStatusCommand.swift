import ArgumentParser
import Foundation
import KetenpoortCommandLine
import KetenpoortOperations
import KetenpoortStore

/// `ketenpoort queue status`: counts per partner and state, oldest message and next attempt; `--age` for a qshape table; `--watch` to refresh.
struct QueueStatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Per partner and state: count, oldest message's age, next attempt (--age: age buckets).",
        discussion: HelpText.flowing("""
            Examples:
              ketenpoort queue status --config /etc/ketenpoort/gateway.yaml
              ketenpoort queue status --state-dir /var/lib/ketenpoort --age
              ketenpoort queue status --state-dir /var/lib/ketenpoort --json
              ketenpoort queue status --state-dir /var/lib/ketenpoort --watch --interval 5
            """)
    )

    /// The qshape buckets: upper bounds of message age.
    static let bucketMinutes = [5, 10, 20, 40, 80, 160]

    @OptionGroup var location: StoreLocationOptions
    @OptionGroup var output: JSONOption

    @Flag(help: "Show unfinished deliveries per partner by message age (5m … 160m, more), like qshape.")
    var age = false

    @Flag(help: "Redraw the table in place every --interval seconds, like watch(1), until Ctrl-C or SIGTERM.")
    var watch = false

    @Option(help: "Seconds between redraws with --watch (at least 0.1).")
    var interval: Double = 2

    /// Refuses `--watch` with `--json` and intervals below 0.1 s.
    func validate() throws {
        if watch, output.json { throw ValidationError("--watch redraws a table; it cannot be combined with --json") }
        if !(interval >= 0.1) { throw ValidationError("--interval must be at least 0.1 seconds") }
    }

    /// Prints the summary or the age shape, once or (`--watch`) again and again.
    func run() async throws {
        try await runOperatorCommand {
            let store = try await location.open()
            defer { try? store.close() }
            if watch {
                let showAge = age
                try await WatchLoop.run(title: "ketenpoort queue status" + (showAge ? " --age" : ""), interval: interval) {
                    let now = Date()
                    if showAge {
                        return Self.shapeTable(try await store.queueAgeShape(now: now, bucketBounds: Self.bucketMinutes.map { Double($0) * 60 }))
                    }
                    return Self.summaryTable(try await store.queueSummary(), now: now)
                }
                return
            }
            let now = Date()
            if age {
                let shape = try await store.queueAgeShape(now: now, bucketBounds: Self.bucketMinutes.map { Double($0) * 60 })
                try printShape(shape)
            } else {
                try printSummary(try await store.queueSummary(), now: now)
            }
        }
    }

    private struct SummaryRow: Encodable {
        var partner: String
        var state: String
        var count: Int
        var oldest_received_at: String?
        var oldest_age_seconds: Int?
        var next_attempt_at: String?
    }

    private func printSummary(_ rows: [QueueStateSummary], now: Date) throws {
        if output.json {
            try Output.json(["rows": rows.map { row in
                SummaryRow(
                    partner: row.partner, state: row.state.rawValue, count: row.count,
                    oldest_received_at: TimeText.json(row.oldestReceivedAt),
                    oldest_age_seconds: row.oldestReceivedAt.map { Int(now.timeIntervalSince($0)) },
                    next_attempt_at: TimeText.json(row.nextAttemptAt))
            }])
            return
        }
        Output.text(Self.summaryTable(rows, now: now))
    }

    /// The summary as a text table (or a sentence when the store is empty).
    private static func summaryTable(_ rows: [QueueStateSummary], now: Date) -> String {
        guard !rows.isEmpty else { return "the store holds no deliveries" }
        var table = TextTable(["PARTNER", "STATE", "COUNT", "OLDEST", "NEXT ATTEMPT"], rightAligned: [2, 3])
        for row in rows {
            table.add([
                row.partner, row.state.rawValue, String(row.count),
                row.oldestReceivedAt.map { TimeText.duration(now.timeIntervalSince($0)) } ?? "-",
                row.nextAttemptAt.map(Self.nextText(now: now)) ?? "-",
            ])
        }
        return table.render()
    }

    private static func nextText(now: Date) -> (Date) -> String {
        { next in next <= now ? "due now" : "\(TimeText.time(next)) (in \(TimeText.duration(next.timeIntervalSince(now))))" }
    }

    private struct ShapeRow: Encodable {
        var partner: String
        var total: Int
        var counts: [Int]
    }

    private struct ShapeOutput: Encodable {
        var buckets: [String]
        var rows: [ShapeRow]
    }

    private func printShape(_ shape: [QueueAgeShape]) throws {
        let labels = Self.bucketMinutes.map { "\($0)m" } + ["more"]
        if output.json {
            try Output.json(ShapeOutput(
                buckets: labels, rows: shape.map { ShapeRow(partner: $0.partner, total: $0.total, counts: $0.buckets) }))
            return
        }
        Output.text(Self.shapeTable(shape))
    }

    /// The age shape as a text table: a TOTAL row, then one row per partner.
    private static func shapeTable(_ shape: [QueueAgeShape]) -> String {
        let labels = bucketMinutes.map { "\($0)m" } + ["more"]
        var table = TextTable(["PARTNER", "T"] + labels, rightAligned: Set(1...(labels.count + 1)))
        let totals = labels.indices.map { index in shape.reduce(0) { $0 + $1.buckets[index] } }
        table.add(["TOTAL", String(totals.reduce(0, +))] + totals.map(String.init))
        for row in shape {
            table.add([row.partner, String(row.total)] + row.buckets.map(String.init))
        }
        return table.render()
    }
}
