import ArgumentParser
import Foundation

/// `ketenpoort bench chaos`: steady load while the gateway is SIGKILLed and partners go down and up; then exactness checks.
struct ChaosCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chaos",
        abstract: "SIGKILL the gateway at random moments and flap partner endpoints under load; nothing may be lost or duplicated.",
        discussion: """
            Runs the gateway and two partner endpoints (vt-utrecht, vt-rotterdam-rijnmond) as child processes. During
            --seconds of open-loop load it SIGKILLs and restarts the gateway --kills times (same state directory) and
            takes partner endpoints down and up. Then it brings everything up, waits until no delivery is pending,
            stops the gateway and checks: every 202 is delivered with a stored receipt, in exactly one inbox, accepted
            once by the endpoint; no delivery is stuck; `ketenpoort audit verify` passes.
            Exit 0 if all holds, 1 if anything was lost, duplicated, stuck or unverifiable.

            Example:
              .build/release/ketenpoort bench chaos --seconds 120 --kills 25 --rate 100
            """
    )

    @Option(help: "Seconds of load.")
    var seconds: Double = 120

    @Option(help: "Gateway SIGKILLs during the load.")
    var kills: Int = 25

    @Option(help: "Requests per second.")
    var rate: Double = 100

    @Flag(inversion: .prefixedNo, help: "Take partner endpoints down and up during the load.")
    var partnerOutages = true

    @Option(help: "Seconds to wait for the queue to drain at the end.")
    var drainTimeout: Double = 180

    @Option(help: "Directory for the run (default: the temporary directory).")
    var directory: String?

    @Flag(help: "Keep the run directory afterwards (always kept on failure).")
    var keep = false

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func run() async throws {
        let world = try BenchWorld(directory: directory, partnerConcurrency: 4, leaseSeconds: 5, requestTimeoutSeconds: 3,
                                   retry: .init(initialDelaySeconds: 0.3, maxDelaySeconds: 1, maxAgeHours: 24, jitter: 0.2),
                                   logLevel: "info")
        let report: ChaosReport
        do {
            report = try await chaos(world)
        } catch {
            await world.stopAll()
            printError("chaos run failed: \(error); everything is in \(world.root.path)")
            throw ExitCode(1)
        }
        if json { try printJSON(report) } else { report.printTable() }
        if report.verdict.passed && !keep { world.remove() } else { printError("run directory: \(world.root.path)") }
        if !report.verdict.passed { throw ExitCode(1) }
    }

    private func chaos(_ world: BenchWorld) async throws -> ChaosReport {
        try await world.startPartners()
        try await world.startGateway()
        let messages = try BenchMessages.load(senderOIN: world.senderOIN, mixed: true, path: nil)
        let client = try BenchIntakeClient(url: world.intakeURL, tls: world.senderTLS, connections: 64, timeoutSeconds: 10)
        let generator = LoadGenerator(client: client, messages: messages, maxRequests: 1_000_000)
        let faults = ChaosFaults(world: world)
        let seconds = self.seconds, rate = max(1, self.rate), kills = max(0, self.kills)
        let started = Date()
        let flapDeadline = partnerOutages ? started.addingTimeInterval(seconds) : started
        async let load = generator.openLoop(rate: rate, seconds: seconds)
        async let killed = faults.killGateway(kills: kills, seconds: seconds * 0.95)
        async let flapped = faults.flapPartners(until: flapDeadline)
        let result = await load
        let (killCount, slowestRestart) = try await killed
        let outages = try await flapped
        let loadSeconds = Date().timeIntervalSince(started)
        await client.shutdown()
        // Everything up again, then wait until nothing is pending.
        for (id, process) in world.partners where process.pid == nil {
            try process.start()
            _ = try await waitUntilListening(world.partnerPorts[id] ?? 0, timeout: 30, while: process)
        }
        if world.gateway.pid == nil { try await world.startGateway() }
        let drained = try await DeliveryWatcher(stateDirectory: world.stateDirectory).waitUntilDrained(timeout: drainTimeout)
        await world.stopAll()
        let verdict = try await ChaosVerifier(world: world).verify(result)
        let faultCounts = ChaosFaultCounts(gatewayKills: killCount, slowestRestartSeconds: slowestRestart, partnerOutages: outages)
        return ChaosReport(build: BenchReport.buildKind, seconds: loadSeconds, rate: rate, faults: faultCounts, drained: drained,
                           failedRequests: result.failed, rejectedRequests: result.rejected, verdict: verdict)
    }
}

/// What `bench chaos` prints.
struct ChaosReport: Codable {
    /// `release` or `debug`.
    var build: String
    /// Seconds of load.
    var seconds: Double
    /// Requests per second offered.
    var rate: Double
    /// Faults injected.
    var faults: ChaosFaultCounts
    /// Whether the queue drained within the wait.
    var drained: Bool
    /// Requests without an answer (gateway down or killed mid-request).
    var failedRequests: Int
    /// Requests answered with a status other than 202.
    var rejectedRequests: Int
    /// The checks.
    var verdict: ChaosVerdict

    /// Prints a two-column table.
    func printTable() {
        let rows: [(String, String)] = [
            ("build", build),
            ("load", String(format: "%.0f s at %.0f/s", seconds, rate)),
            ("gateway SIGKILLs (slowest restart)", String(format: "%d (%.2f s)", faults.gatewayKills, faults.slowestRestartSeconds)),
            ("partner outages", "\(faults.partnerOutages)"),
            ("sent", "\(verdict.sent)"),
            ("acknowledged (202)", "\(verdict.acknowledged)"),
            ("no answer / other status", "\(failedRequests) / \(rejectedRequests)"),
            ("delivered (1 inbox, receipt stored)", "\(verdict.delivered)"),
            ("duplicates", "\(verdict.duplicates)"),
            ("lost", "\(verdict.lost)"),
            ("stuck / failed / receipt missing", "\(verdict.stuck) / \(verdict.failed) / \(verdict.missingReceipts)"),
            ("redeliveries deduped by partner", "\(verdict.dedupedRedeliveries)"),
            ("delivered without a 202", "\(verdict.deliveredWithout202)"),
            ("queue drained", drained ? "yes" : "NO"),
            ("audit verify", verdict.auditVerified ? "passed" : "FAILED"),
            ("verdict", verdict.passed ? "PASS" : "FAIL \(verdict.examples)"),
        ]
        for (name, value) in rows { print(name.padding(toLength: 38, withPad: " ", startingAt: 0) + value) }
    }
}
