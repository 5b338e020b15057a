import ArgumentParser
import Foundation
import KetenpoortCommandLine

/// `ketenpoort-bench chaos`: steady load while gateway nodes are SIGKILLed, partners and PostgreSQL go down and up; then exactness checks.
struct ChaosCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chaos",
        abstract: "SIGKILL gateway nodes at random moments, flap partner endpoints, restart PostgreSQL under load; nothing may be lost or duplicated.",
        discussion: HelpText.flowing("""
            Runs the gateway and two partner endpoints (vt-utrecht, vt-rotterdam-rijnmond) as child processes. During
            --seconds of open-loop load it SIGKILLs and restarts the gateway --kills times (same state directory) and
            takes partner endpoints down and up. Then it brings everything up, waits until no delivery is pending,
            stops the gateway and checks: every 202 is delivered with a stored receipt, in exactly one inbox, accepted
            once by the endpoint; no delivery is stuck; `ketenpoort audit verify` passes.
            Exit 0 if all holds, 1 if anything was lost, duplicated, stuck or unverifiable.

            With --store postgres --nodes N, N gateways share one fresh PostgreSQL database and the load is spread
            round-robin over their intake ports; each kill hits a random running node, which restarts after a pause of
            --node-pause seconds while the others take over its leases (after store.nodeDeadAfterSeconds, 6 s, plus a
            heartbeat). Halfway through, PostgreSQL itself is stopped for --database-down seconds and started again
            (scripts/postgres-test-cluster restart): intake must answer 503 or nothing meanwhile, never 202 and then lose
            the message. The report adds how many deliveries surviving nodes took over (audit records
            delivery.lease-returned reason=node-dead) and the longest wait a kill caused.
            Which PostgreSQL: see --store; the simplest from a fresh clone is to give none (a throw-away server is
            started from scripts/postgres-test-cluster and stopped at the end).

            Examples:
              .build/release/ketenpoort-bench chaos --seconds 120 --kills 25 --rate 100
              .build/release/ketenpoort-bench chaos --store postgres --nodes 3 \\
                  --seconds 120 --kills 25 --rate 100
            """)
    )

    @Option(help: "Seconds of load.")
    var seconds: Double = 120

    @Option(help: "Gateway SIGKILLs during the load.")
    var kills: Int = 25

    @Option(help: "Requests per second.")
    var rate: Double = 100

    @Flag(inversion: .prefixedNo, help: "Take partner endpoints down and up during the load.")
    var partnerOutages = true

    @OptionGroup var storage: BenchStoreOptions

    @Option(help: "With postgres: seconds a killed node stays down before it restarts (a random value up to this, at least 0.5).")
    var nodePause: Double = 2

    @Option(help: "With postgres: seconds PostgreSQL stays down in its restart halfway through the load (0: no restart).")
    var databaseDown: Double = 3

    @Option(help: "Seconds to wait for the queue to drain at the end.")
    var drainTimeout: Double = 180

    @Option(help: "Directory for the run (default: the temporary directory).")
    var directory: String?

    @Flag(help: "Keep the run directory (and a PostgreSQL database) afterwards (always kept on failure).")
    var keep = false

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func run() async throws {
        let store = try await BenchStore.prepare(storage)
        let shared = store.kind == .postgres
        let world: BenchWorld
        do {
            // On a shared store a dead node's leases come back after nodeDeadAfterSeconds; a lease shorter than that
            // would expire first and the take-over would never be exercised.
            world = try BenchWorld(directory: directory, partnerConcurrency: 4, leaseSeconds: shared ? 30 : 5, requestTimeoutSeconds: 3,
                                   retry: .init(initialDelaySeconds: 0.3, maxDelaySeconds: 1, maxAgeHours: 24, jitter: 0.2),
                                   logLevel: "info", store: store.storeSection, nodes: store.nodes)
        } catch {
            await store.finish(keep: false)
            throw error
        }
        let report: ChaosReport
        do {
            report = try await chaos(world, store: store)
        } catch {
            await world.stopAll()
            await store.finish(keep: true)
            printError("chaos run failed: \(error); everything is in \(world.root.path)")
            throw ExitCode(1)
        }
        if json { try printJSON(report) } else { report.printTable() }
        let keepAll = keep || !report.verdict.passed
        await store.finish(keep: keepAll)
        if keepAll { printError("run directory: \(world.root.path)") } else { world.remove() }
        if !report.verdict.passed { throw ExitCode(1) }
    }

    private func chaos(_ world: BenchWorld, store: BenchStore) async throws -> ChaosReport {
        try await world.startPartners()
        try await world.startGateway()
        let messages = try BenchMessages.load(senderOIN: world.senderOIN, mixed: true, path: nil)
        let client = try BenchIntakeClient(urls: world.intakeURLs, tls: world.senderTLS, connections: 64, timeoutSeconds: 10)
        let generator = LoadGenerator(client: client, messages: messages, maxRequests: 1_000_000)
        let faults = ChaosFaults(world: world)
        let seconds = self.seconds, rate = max(1, self.rate), kills = max(0, self.kills)
        let shared = store.kind == .postgres
        let pause: ClosedRange<Double>? = shared ? 0.5...max(0.5, nodePause) : nil
        let restartDatabase = shared && databaseDown > 0
        let started = Date()
        let flapDeadline = partnerOutages ? started.addingTimeInterval(seconds) : started
        async let load = generator.openLoop(rate: rate, seconds: seconds)
        async let killed = faults.killNodes(kills: kills, seconds: seconds * 0.95, restartPause: pause)
        async let flapped = faults.flapPartners(until: flapDeadline)
        async let databaseRestart = restartDatabase ? faults.restartDatabase(store, after: seconds * 0.5, secondsDown: databaseDown) : nil
        let result = await load
        let killSummary: NodeKillSummary, outages: Int, databaseSeconds: Double?
        do {
            killSummary = try await killed
            outages = try await flapped
            databaseSeconds = try await databaseRestart
        } catch {
            // Shut the client down whatever the faults did: an HTTPClient dropped without it stops the process.
            await client.shutdown()
            throw error
        }
        let loadSeconds = Date().timeIntervalSince(started)
        await client.shutdown()
        // Everything up again, then wait until nothing is pending.
        for (id, process) in world.partners where process.pid == nil {
            try process.start()
            _ = try await waitUntilListening(world.partnerPorts[id] ?? 0, timeout: 30, while: process)
        }
        var unexpectedExits = killSummary.unexpectedExits
        for node in world.nodes where node.process.pid == nil {
            unexpectedExits += 1
            _ = try await ChaosFaults.startPatiently(node, in: world)
        }
        let watcher = try await DeliveryWatcher.open(world.configuration)
        let drained: Bool
        do { drained = try await watcher.waitUntilDrained(timeout: drainTimeout) } catch {
            await watcher.close()
            throw error
        }
        await watcher.close()
        await world.stopAll()
        let (verdict, takeover) = try await ChaosVerifier(world: world).verify(result, kills: killSummary.kills)
        let faultCounts = ChaosFaultCounts(gatewayKills: killSummary.kills.count, slowestRestartSeconds: killSummary.slowestRestart,
                                           unexpectedExits: unexpectedExits, partnerOutages: outages,
                                           databaseRestarts: databaseSeconds == nil ? 0 : 1, databaseDownSeconds: databaseSeconds ?? 0)
        return ChaosReport(build: BenchReport.buildKind, store: store.label, seconds: loadSeconds, rate: rate, faults: faultCounts,
                           drained: drained, failedRequests: result.failed, rejectedRequests: result.rejected,
                           otherStatuses: Dictionary(uniqueKeysWithValues: result.otherStatuses.map { (String($0.key), $0.value) }),
                           takeover: shared ? takeover : nil, nodeKills: killSummary.kills, verdict: verdict)
    }
}

/// What `bench chaos` prints.
struct ChaosReport: Codable {
    /// `release` or `debug`.
    var build: String
    /// `sqlite` or `postgres, N nodes`.
    var store: String
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
    /// Those statuses and how often (503 while a node or the database could not take the message).
    var otherStatuses: [String: Int]
    /// How surviving nodes took over the leases of killed ones (PostgreSQL only).
    var takeover: ChaosTakeover?
    /// Every SIGKILL: node, pid, time.
    var nodeKills: [NodeKill]
    /// The checks.
    var verdict: ChaosVerdict

    /// Prints a two-column table.
    func printTable() {
        var rows: [(String, String)] = [
            ("build", build),
            ("store", store),
            ("load", String(format: "%.0f s at %.0f/s", seconds, rate)),
            ("gateway SIGKILLs (slowest restart)", String(format: "%d (%.2f s)", faults.gatewayKills, faults.slowestRestartSeconds)),
            ("gateway exits not caused by a kill", "\(faults.unexpectedExits)"),
            ("partner outages", "\(faults.partnerOutages)"),
        ]
        if faults.databaseRestarts > 0 {
            rows.append(("PostgreSQL restarts (stop to ready)", String(format: "%d (%.1f s)", faults.databaseRestarts, faults.databaseDownSeconds)))
        }
        rows += [
            ("sent", "\(verdict.sent)"),
            ("acknowledged (202)", "\(verdict.acknowledged)"),
            ("no answer / other status", "\(failedRequests) / \(rejectedRequests)"
                + (otherStatuses.isEmpty ? "" : " (" + otherStatuses.map { "\($0.key)×\($0.value)" }.sorted().joined(separator: " ") + ")")),
            ("delivered (1 inbox, receipt stored)", "\(verdict.delivered)"),
            ("duplicates", "\(verdict.duplicates)"),
            ("lost", "\(verdict.lost)"),
            ("stuck / failed / receipt missing", "\(verdict.stuck) / \(verdict.failed) / \(verdict.missingReceipts)"),
            ("redeliveries deduped by partner", "\(verdict.dedupedRedeliveries)"),
            ("delivered without a 202", "\(verdict.deliveredWithout202)"),
        ]
        if let takeover {
            rows.append(("deliveries taken over from dead nodes", "\(takeover.takenOver)"
                + (takeover.fromNodesNotKilled > 0 ? " (\(takeover.fromNodesNotKilled) from live nodes that missed heartbeats)" : "")))
            rows.append(("longest kill → lease returned", String(format: "%.1f s", takeover.longestKillToReturnSeconds)))
            rows.append(("longest held by a dead node (lease → return)", String(format: "%.1f s", takeover.longestHeldByDeadNodeSeconds)))
            rows.append(("longest return → delivered (queue wait)", String(format: "%.1f s", takeover.longestReturnToDeliverySeconds)))
        }
        rows += [
            ("queue drained", drained ? "yes" : "NO"),
            ("audit verify", verdict.auditVerified ? "passed" : "FAILED"),
            ("verdict", verdict.passed ? "PASS" : "FAIL \(verdict.examples)"),
        ]
        for (name, value) in rows { print(name.padding(toLength: 46, withPad: " ", startingAt: 0) + value) }
    }
}
