import Foundation

/// Counts of the faults injected during a chaos run.
struct ChaosFaultCounts: Codable, Sendable {
    /// Gateway SIGKILLs (each followed by a restart).
    var gatewayKills = 0
    /// Seconds the slowest restart took until intake listened again.
    var slowestRestartSeconds = 0.0
    /// Partner endpoint outages (SIGKILL or SIGTERM, then a restart after a pause).
    var partnerOutages = 0
}

/// Injects faults: SIGKILL and restart of the gateway at random moments, partner endpoints down and up.
struct ChaosFaults: Sendable {
    /// The set-up under test.
    let world: BenchWorld

    /// Kills the gateway `kills` times at a random moment within each of `kills` equal slots of `seconds`, restarting it at once.
    func killGateway(kills: Int, seconds: Double) async throws -> (count: Int, slowestRestart: Double) {
        let slot = seconds / Double(max(1, kills))
        let start = Date()
        var slowest = 0.0
        for index in 0..<kills {
            let moment = slot * (Double(index) + Double.random(in: 0.15...0.85))
            let wait = moment - Date().timeIntervalSince(start)
            if wait > 0 { try await Task.sleep(for: .milliseconds(Int(wait * 1000))) }
            guard await world.gateway.stop(signal: SIGKILL, timeout: 10) else { throw BenchError("the gateway did not die after SIGKILL") }
            slowest = max(slowest, try await world.startGateway(timeout: 60))
        }
        return (kills, slowest)
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
