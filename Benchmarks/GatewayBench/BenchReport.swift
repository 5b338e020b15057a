import Foundation

/// The result of one `bench intake|latency|e2e` run, printed as a table or JSON.
struct BenchReport: Encodable {
    /// `intake`, `latency` or `e2e`.
    var mode: String
    /// `release` or `debug`.
    var build: String
    /// `sqlite` or `postgres, N nodes`.
    var store: String
    /// Gateway processes sharing the load.
    var nodes: Int
    /// Whether deliveries ran during the load, or stayed deferred because the partner endpoints were down.
    var deliveries: String
    /// Bytes of the (first) message template.
    var messageBytes: Int
    /// Closed-loop connections, if closed loop.
    var connections: Int?
    /// Open-loop target rate per second, if open loop.
    var targetRate: Double?
    /// Seconds of measured load.
    var seconds: Double
    /// Requests sent, answered 202, answered otherwise, failed without answer.
    var sent: Int
    /// Requests answered 202.
    var accepted: Int
    /// Requests answered with another status.
    var rejected: Int
    /// Requests without an answer.
    var failed: Int
    /// Accepted messages per second during the load.
    var acceptedPerSecond: Double
    /// Intake latency of accepted requests (POST to 202), milliseconds.
    var intakeLatencyMs: LatencySummary
    /// POST to verified, stored receipt (e2e only).
    var endToEnd: EndToEndFigures?
    /// Seconds from spawning the gateway until intake accepted connections.
    var gatewayStartupSeconds: Double
    /// The gateway's peak resident memory over the whole run, MiB.
    var gatewayPeakRSSMiB: Double
    /// The gateway's CPU seconds during the measured load.
    var gatewayCPUSeconds: Double
    /// The gateway's CPU milliseconds per accepted message.
    var gatewayCPUMsPerMessage: Double
    /// The PostgreSQL server's CPU seconds during the measured load (postmaster and its children), if postgres.
    var databaseCPUSeconds: Double?
    /// The PostgreSQL server's CPU milliseconds per accepted message, if postgres.
    var databaseCPUMsPerMessage: Double?
    /// The partner endpoints' CPU seconds during the measured load.
    var partnerCPUSeconds: Double
    /// `openssl speed rsa2048` signatures per second using every core, measured after the load in the same run.
    var opensslRSA2048SignPerSecond: Double?
    /// Accepted per second divided by the raw signing rate.
    var intakeToRawRSARatio: Double?
    /// Load averages before the run and after the load.
    var loadBefore: MachineLoad
    /// Load averages after the load.
    var loadAfter: MachineLoad
    /// Non-202 statuses seen and how often.
    var otherStatuses: [String: Int]
    /// The run directory (kept with --keep).
    var runDirectory: String?

    /// Prints a two-column table.
    func printTable() {
        var rows: [(String, String)] = [
            ("mode", mode + (connections.map { ", closed loop, \($0) connections" } ?? "") + (targetRate.map { String(format: ", open loop at %.0f/s", $0) } ?? "")),
            ("build", build),
            ("store", store),
            ("deliveries during the load", deliveries),
            ("message", "\(messageBytes) bytes, RSA-2048 signing"),
            ("load seconds", String(format: "%.1f", seconds)),
            ("sent / 202 / other / failed", "\(sent) / \(accepted) / \(rejected) / \(failed)"),
            ("accepted per second", String(format: "%.0f", acceptedPerSecond)),
            ("intake latency ms p50/p90/p99/p99.9/max", Self.format(intakeLatencyMs)),
        ]
        if let endToEnd {
            rows.append(("e2e delivered (receipt stored)", "\(endToEnd.delivered) of \(accepted), \(endToEnd.undelivered) not within the wait"))
            rows.append(("e2e delivered per second", String(format: "%.0f", endToEnd.deliveredPerSecond)))
            rows.append(("e2e latency ms p50/p90/p99/p99.9/max", Self.format(endToEnd.latencyMs)))
        }
        rows += [
            ("gateway start-up to serving", String(format: "%.2f s", gatewayStartupSeconds)),
            ("gateway peak RSS" + (nodes > 1 ? " (largest node)" : ""), String(format: "%.1f MiB", gatewayPeakRSSMiB)),
            ("gateway CPU during load" + (nodes > 1 ? " (all nodes)" : ""),
             String(format: "%.1f s (%.2f ms per message)", gatewayCPUSeconds, gatewayCPUMsPerMessage)),
            ("PostgreSQL CPU during load", databaseCPUSeconds.map { String(format: "%.1f s (%.2f ms per message)", $0, databaseCPUMsPerMessage ?? 0) } ?? "n/a"),
            ("partner endpoints CPU during load", String(format: "%.1f s", partnerCPUSeconds) + (mode == "e2e" || deliveries != "running" ? "" : " (at nice 19)")),
            ("openssl speed rsa2048 sign, all cores", opensslRSA2048SignPerSecond.map { String(format: "%.0f /s", $0) } ?? "n/a"),
            ("intake rate / raw RSA signing rate", intakeToRawRSARatio.map { String(format: "%.0f%%", $0 * 100) } ?? "n/a"),
            ("load average before / after", String(format: "%.2f / %.2f (%d cores)", loadBefore.load1, loadAfter.load1, loadAfter.cores)),
        ]
        if !otherStatuses.isEmpty { rows.append(("other statuses", otherStatuses.map { "\($0.key)×\($0.value)" }.sorted().joined(separator: " "))) }
        if let runDirectory { rows.append(("run directory", runDirectory)) }
        for (name, value) in rows { print(name.padding(toLength: 42, withPad: " ", startingAt: 0) + value) }
    }

    /// Prints one line per run: store, accepted/s, delivered/s (e2e), CPU ms per message of the gateways and the database.
    static func printComparison(_ reports: [BenchReport]) {
        print("\ncomparison (same load, one run each)")
        print("store".padding(toLength: 22, withPad: " ", startingAt: 0) + "accepted/s  delivered/s  p99 ms  gateway ms/msg  database ms/msg  total ms/msg")
        for report in reports {
            let database = report.databaseCPUMsPerMessage ?? 0
            let columns = [
                String(format: "%10.0f", report.acceptedPerSecond),
                report.endToEnd.map { String(format: "%11.0f", $0.deliveredPerSecond) } ?? String(repeating: " ", count: 9) + "--",
                String(format: "%6.1f", report.intakeLatencyMs.p99),
                String(format: "%14.2f", report.gatewayCPUMsPerMessage),
                report.databaseCPUMsPerMessage.map { String(format: "%15.2f", $0) } ?? String(repeating: " ", count: 13) + "--",
                String(format: "%12.2f", report.gatewayCPUMsPerMessage + database),
            ]
            print(report.store.padding(toLength: 22, withPad: " ", startingAt: 0) + columns.joined(separator: "  "))
        }
    }

    private static func format(_ summary: LatencySummary) -> String {
        String(format: "%.2f / %.2f / %.2f / %.2f / %.2f", summary.p50, summary.p90, summary.p99, summary.p999, summary.max)
    }

    /// `release` or `debug`, as this binary was built.
    static var buildKind: String {
        #if DEBUG
        return "debug"
        #else
        return "release"
        #endif
    }
}

/// End-to-end figures: POST until the gateway stored the partner's verified receipt.
struct EndToEndFigures: Encodable {
    /// Accepted messages whose delivery was stored as delivered with a receipt.
    var delivered: Int
    /// Accepted messages not delivered within the drain wait.
    var undelivered: Int
    /// Delivered messages per second, from the first POST to the last receipt.
    var deliveredPerSecond: Double
    /// Latency POST → receipt stored, milliseconds (store time resolution 1 ms).
    var latencyMs: LatencySummary
}
