import Foundation
import Synchronization

/// Counts of the faults injected during a chaos run.
struct ChaosFaultCounts: Codable, Sendable {
    /// Gateway SIGKILLs (each followed by a restart).
    var gatewayKills = 0
    /// Seconds the slowest restart took until intake listened again.
    var slowestRestartSeconds = 0.0
    /// Gateway nodes found dead that the harness had not killed (started again).
    var unexpectedExits = 0
    /// Partner endpoint outages (SIGKILL or SIGTERM, then a restart after a pause).
    var partnerOutages = 0
    /// PostgreSQL restarts.
    var databaseRestarts = 0
    /// Seconds from stopping PostgreSQL until it accepted connections again (the longest restart).
    var databaseDownSeconds = 0.0
}

/// One SIGKILL of a gateway node: which process and when.
struct NodeKill: Codable, Sendable {
    /// The killed process's pid (part of its lease owner name, `host/pid/run`).
    var pid: Int32
    /// The node number.
    var node: Int
    /// When the signal was sent, seconds since 1970.
    var at: Double
}

/// What `killNodes` did.
struct NodeKillSummary: Sendable {
    /// Every kill, in order.
    var kills: [NodeKill] = []
    /// Seconds the slowest restart took until intake listened again.
    var slowestRestart = 0.0
    /// Nodes found dead that were not killed here.
    var unexpectedExits = 0
}

/// Injects faults: SIGKILL and restart of gateway nodes at random moments, partner endpoints down and up, a PostgreSQL restart.
struct ChaosFaults: Sendable {
    /// The set-up under test.
    let world: BenchWorld

    /// Kills a random running node `kills` times, at a random moment within each of `kills` equal slots of `seconds`.
    /// Without `restartPause` the node restarts at once (the single-node SQLite case); with it, after a random pause in
    /// that range while the other nodes carry on. A node that dies on its own is counted and started again.
    func killNodes(kills: Int, seconds: Double, restartPause: ClosedRange<Double>?) async throws -> NodeKillSummary {
        let slot = seconds / Double(max(1, kills))
        let start = Date()
        let restarting = NodeNumbers()
        var summary = NodeKillSummary()
        let world = self.world
        summary.slowestRestart = try await withThrowingTaskGroup(of: Double.self) { restarts in
            var slowest = 0.0
            func restart(_ node: GatewayNode, after pause: Double) {
                restarting.insert(node.number)
                restarts.addTask {
                    defer { restarting.remove(node.number) }
                    if pause > 0 { try await Task.sleep(for: .milliseconds(Int(pause * 1000))) }
                    return try await Self.startPatiently(node, in: world)
                }
            }
            for index in 0..<kills {
                let moment = slot * (Double(index) + Double.random(in: 0.15...0.85))
                let wait = moment - Date().timeIntervalSince(start)
                if wait > 0 { try await Task.sleep(for: .milliseconds(Int(wait * 1000))) }
                for node in world.nodes where node.process.pid == nil && !restarting.contains(node.number) {
                    summary.unexpectedExits += 1
                    restart(node, after: 0)
                }
                let candidates = world.nodes.filter { $0.process.pid != nil && !restarting.contains($0.number) }
                guard let victim = candidates.randomElement(), let pid = victim.process.pid else { continue }
                guard await victim.process.stop(signal: SIGKILL, timeout: 10) else { throw BenchError("gateway node \(victim.number) did not die after SIGKILL") }
                summary.kills.append(NodeKill(pid: pid, node: victim.number, at: Date().timeIntervalSince1970))
                if let restartPause {
                    restart(victim, after: Double.random(in: restartPause))
                } else {
                    slowest = max(slowest, try await Self.startPatiently(victim, in: world))
                }
            }
            for try await seconds in restarts { slowest = max(slowest, seconds) }
            return slowest
        }
        return summary
    }

    /// Starts a node; if it exits before listening (e.g. the database is restarting), tries again for up to 60 s.
    /// Returns the seconds from the first spawn until it listened.
    static func startPatiently(_ node: GatewayNode, in world: BenchWorld) async throws -> Double {
        let begin = Date()
        while true {
            do {
                _ = try await world.start(node, timeout: 60)
                return Date().timeIntervalSince(begin)
            } catch where Date().timeIntervalSince(begin) < 60 && node.process.pid == nil {
                try await Task.sleep(for: .milliseconds(500))
            }
        }
    }

    /// After `delay` seconds, restarts PostgreSQL with `secondsDown` of outage; returns the seconds from stop to ready.
    func restartDatabase(_ store: BenchStore, after delay: Double, secondsDown: Double) async throws -> Double? {
        guard let server = store.database?.server else { return nil }
        try await Task.sleep(for: .milliseconds(Int(delay * 1000)))
        let begin = Date()
        try await server.restart(secondsDown: secondsDown)
        return Date().timeIntervalSince(begin)
    }

    /// Until `deadline`, takes a random partner endpoint down (SIGKILL or SIGTERM) for 0.5–3 s, then up again, every 1–4 s.
    func flapPartners(until deadline: Date) async throws -> Int {
        var outages = 0
        let ids = world.partners.keys.sorted()
        while Date().addingTimeInterval(4) < deadline {
            try await Task.sleep(for: .milliseconds(Int.random(in: 1000...4000)))
            guard let id = ids.randomElement(), let process = world.partners[id] else { continue }
            await process.stop(signal: Bool.random() ? SIGKILL : SIGTERM, timeout: 10)
            outages += 1
            try await Task.sleep(for: .milliseconds(Int.random(in: 500...3000)))
            try process.start()
            _ = try await waitUntilListening(world.partnerPorts[id] ?? 0, timeout: 30, while: process)
        }
        return outages
    }
}

/// A set of node numbers shared between the kill loop and the restart tasks.
private final class NodeNumbers: Sendable {
    private let numbers = Mutex(Set<Int>())

    /// Adds a node number.
    func insert(_ number: Int) { numbers.withLock { _ = $0.insert(number) } }
    /// Removes a node number.
    func remove(_ number: Int) { numbers.withLock { _ = $0.remove(number) } }
    /// Whether the set holds a node number.
    func contains(_ number: Int) -> Bool { numbers.withLock { $0.contains(number) } }
}
