import Foundation
import KetenpoortStore
import Logging
import ServiceLifecycle

/// On a store shared by several nodes: beats this node's heartbeat, and returns the leases of nodes that stopped
/// beating, so their deliveries go out within `deadAfter` + `interval` instead of after the full lease duration.
struct NodeLivenessService: Service {
    let membership: any NodeMembership
    let owner: String
    let host: String
    let interval: Duration
    let deadAfter: TimeInterval
    let logger: Logger
    /// Called after leases were returned (the dispatcher leases them at once).
    let onReclaimed: @Sendable () -> Void

    /// Beats and sweeps every `interval` until shutdown; a database error is logged and retried at the next beat.
    func run() async throws {
        try await cancelWhenGracefulShutdown {
            var lastFailure = await beat(lastFailure: nil)
            while !Task.isCancelled {
                try await Task.sleep(for: interval)
                lastFailure = await beat(lastFailure: lastFailure)
            }
        }
        do {
            try await membership.leave(owner: owner)
        } catch {
            logger.warning("node not removed from the live nodes", metadata: ["error": "\(error)"])
        }
    }

    /// Beats, then returns dead nodes' leases unless this node's own heartbeat failed within `deadAfter`: after a
    /// database outage every node's heartbeat is stale, so the live nodes get `deadAfter` to beat again first.
    /// Returns when the heartbeat failed (or the `lastFailure` it was given).
    private func beat(lastFailure: ContinuousClock.Instant?) async -> ContinuousClock.Instant? {
        do {
            try await membership.heartbeat(owner: owner, host: host)
            if let lastFailure, ContinuousClock.now - lastFailure < .milliseconds(Int64(deadAfter * 1000)) {
                return lastFailure
            }
            let reclaimed = try await membership.reclaimLeasesOfDeadNodes(except: owner, deadAfter: deadAfter, now: Date())
            if !reclaimed.isEmpty {
                let owners = Set(reclaimed.compactMap(\.leaseOwner)).sorted().joined(separator: ",")
                logger.notice("returned the leases of a dead node", metadata: ["deliveries": "\(reclaimed.count)", "from": "\(owners)"])
                onReclaimed()
            }
        } catch {
            logger.warning("node heartbeat failed", metadata: ["error": "\(error)"])
            return ContinuousClock.now
        }
        return lastFailure
    }
}
