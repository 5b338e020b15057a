import ArgumentParser
import Foundation
import KetenpoortCommandLine
import KetenpoortStore
import Synchronization

/// `ketenpoort-bench queue`: a gateway with a very large backlog for a partner that is down.
struct QueueScaleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "queue",
        abstract: "Memory, start-up time and queue-status time with a large backlog (partner down).",
        discussion: HelpText.flowing("""
            Fills a fresh store with --messages messages for vt-utrecht (whose endpoint is never started), then starts
            the gateway as a child process, samples its resident memory every second for --observe seconds while it
            leases and defers the backlog, restarts it and times start-up to serving again, and times the query that
            `queue status` runs (counts per partner and state) on a separate connection.

            Example:
              .build/release/ketenpoort-bench queue --messages 1000000 --observe 60
            """)
    )

    @Option(help: "Messages in the backlog.")
    var messages: Int = 1_000_000

    @Option(help: "Payload bytes per message (stored encrypted).")
    var payloadBytes: Int = 2048

    @Option(help: "Seconds to sample the gateway's memory.")
    var observe: Int = 60

    @Option(help: "Directory for the run (default: the temporary directory).")
    var directory: String?

    @Flag(help: "Keep the run directory afterwards.")
    var keep = false

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func run() async throws {
        let world = try BenchWorld(directory: directory, partnerConcurrency: 4, leaseSeconds: 30, requestTimeoutSeconds: 3,
                                   retry: .init(initialDelaySeconds: 5, maxDelaySeconds: 600, maxAgeHours: 72, jitter: 0.2),
                                   logLevel: "warning")
        defer { if !keep { world.remove() } }
        let fillSeconds = try await QueueFiller(stateDirectory: world.stateDirectory, senderOIN: world.senderOIN,
                                                payloadBytes: max(16, payloadBytes)).fill(count: max(1, messages))
        let firstStart = try await world.startGateway(timeout: 120)
        var samples: [Double] = []
        for _ in 0..<max(1, observe) {
            try await Task.sleep(for: .seconds(1))
            guard let pid = world.gateway.pid, let metrics = ProcessMetrics.read(pid: pid) else { throw BenchError("the gateway died; see \(world.gateway.logFile)") }
            samples.append(metrics.rssMiB)
        }
        let peak = world.gateway.pid.flatMap(ProcessMetrics.read(pid:))?.peakRSSMiB ?? 0
        let watcher = try DeliveryWatcher(stateDirectory: world.stateDirectory)
        var statusTimes: [Double] = []
        var counts: [DeliveryState: Int] = [:]
        for _ in 0..<5 {
            let start = DispatchTime.now().uptimeNanoseconds
            counts = try await watcher.countsByState()
            statusTimes.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
        }
        var commandTimes: [Double] = []
        for _ in 0..<5 {
            commandTimes.append(try Self.timeQueueStatus(stateDirectory: world.stateDirectory))
        }
        await world.gateway.stop(signal: SIGTERM, timeout: 60)
        let secondStart = try await world.startGateway(timeout: 120)
        try await Task.sleep(for: .seconds(2))
        let afterRestart = world.gateway.pid.flatMap(ProcessMetrics.read(pid:))
        await world.gateway.stop(signal: SIGTERM, timeout: 60)
        let report = QueueScaleReport(
            build: BenchReport.buildKind, messages: messages, payloadBytes: payloadBytes, fillSeconds: fillSeconds,
            startupEmptyLeasesSeconds: firstStart, startupWithBacklogSeconds: secondStart,
            rssSamplesMiB: samples, peakRSSMiB: max(peak, afterRestart?.peakRSSMiB ?? 0),
            countsQueryMs: statusTimes, queueStatusCommandMs: commandTimes, states: Dictionary(uniqueKeysWithValues: counts.map { ($0.key.rawValue, $0.value) }),
            load: MachineLoad.now())
        if json { try printJSON(report) } else { report.printTable() }
    }

    /// Runs `ketenpoort queue status` as an operator would (a new process) and returns its wall time in milliseconds.
    static func timeQueueStatus(stateDirectory: String) throws -> Double {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try ChildProcess.executable())
        process.arguments = ["queue", "status", "--state-dir", stateDirectory]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        let start = DispatchTime.now().uptimeNanoseconds
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw BenchError("queue status exited with \(process.terminationStatus)") }
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
    }
}

/// Fills a store with many messages for one partner, using the store's own accept (group commit).
struct QueueFiller {
    /// The gateway's state directory.
    let stateDirectory: String
    /// The sender OIN recorded.
    let senderOIN: String
    /// Payload size.
    let payloadBytes: Int

    /// Accepts `count` messages for `vt-utrecht` from 64 concurrent callers; returns the seconds it took.
    func fill(count: Int) async throws -> Double {
        let store = try SQLiteStore.open(stateDirectory: stateDirectory)
        let start = Date()
        let callers = 64
        let payload = Data(String(repeating: "<Veld>benchmark</Veld>", count: payloadBytes / 22 + 1).utf8.prefix(payloadBytes))
        let sender = senderOIN
        let line = ProgressLine()
        let done = FillCount()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for caller in 0..<callers {
                group.addTask {
                    var index = caller
                    while index < count {
                        let now = Date()
                        let digest = Data((0..<32).map { _ in UInt8.random(in: 0...255) })
                        let message = IncomingMessage(id: UUID().uuidString.lowercased(), kind: "Zorgmelding", senderOIN: sender, digest: digest,
                                                      receivedAt: now, signedAt: now, urgent: false, payload: payload,
                                                      retentionDeadline: now.addingTimeInterval(86_400 * 30))
                        _ = try await store.accept(message, recipients: ["vt-utrecht"])
                        index += callers
                        let filled = done.increment()
                        if filled % 5_000 == 0 { line.show("filling: \(filled) / \(count) messages") }
                    }
                }
            }
            try await group.waitForAll()
        }
        line.finish()
        try store.close()
        return Date().timeIntervalSince(start)
    }
}

/// What `bench queue` prints.
struct QueueScaleReport: Codable {
    /// `release` or `debug`.
    var build: String
    /// Messages in the backlog.
    var messages: Int
    /// Payload bytes per message.
    var payloadBytes: Int
    /// Seconds to fill the store.
    var fillSeconds: Double
    /// Start-up to serving with the backlog all queued (first start).
    var startupEmptyLeasesSeconds: Double
    /// Start-up to serving after a restart with the backlog deferred.
    var startupWithBacklogSeconds: Double
    /// The gateway's resident memory, one sample per second.
    var rssSamplesMiB: [Double]
    /// The gateway's peak resident memory.
    var peakRSSMiB: Double
    /// Milliseconds of the counts-per-partner-and-state query (what `queue status` runs), five runs.
    var countsQueryMs: [Double]
    /// Milliseconds of the whole `ketenpoort queue status` command (process start to exit), five runs.
    var queueStatusCommandMs: [Double]
    /// Deliveries per state when measured.
    var states: [String: Int]
    /// Load averages at the end.
    var load: MachineLoad

    /// Prints a two-column table.
    func printTable() {
        let first = rssSamplesMiB.first ?? 0, last = rssSamplesMiB.last ?? 0
        let rows: [(String, String)] = [
            ("build", build),
            ("backlog", "\(messages) messages of \(payloadBytes) bytes for a partner that is down"),
            ("fill time", String(format: "%.0f s", fillSeconds)),
            ("start-up to serving (all queued)", String(format: "%.2f s", startupEmptyLeasesSeconds)),
            ("start-up to serving (restart)", String(format: "%.2f s", startupWithBacklogSeconds)),
            ("gateway RSS first / last / max sample", String(format: "%.1f / %.1f / %.1f MiB", first, last, rssSamplesMiB.max() ?? 0)),
            ("gateway peak RSS", String(format: "%.1f MiB", peakRSSMiB)),
            ("counts query (what queue status runs)", countsQueryMs.map { String(format: "%.0f", $0) }.joined(separator: ", ") + " ms"),
            ("`ketenpoort queue status` wall time", queueStatusCommandMs.map { String(format: "%.0f", $0) }.joined(separator: ", ") + " ms"),
            ("deliveries by state", states.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: " ")),
            ("load average", String(format: "%.2f (%d cores)", load.load1, load.cores)),
        ]
        for (name, value) in rows { print(name.padding(toLength: 40, withPad: " ", startingAt: 0) + value) }
    }
}

/// How many messages the filler's callers stored so far.
private final class FillCount: Sendable {
    private let count = Mutex(0)

    /// Adds one and returns the new count.
    func increment() -> Int {
        count.withLock { count in
            count += 1
            return count
        }
    }
}
