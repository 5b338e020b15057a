import Foundation
import KetenpoortStore

/// How surviving nodes took over the deliveries of dead nodes, from the audit trail.
struct ChaosTakeover: Codable, Sendable, Equatable {
    /// `delivery.lease-returned … reason=node-dead` records: deliveries a surviving node returned from a dead node's lease.
    var takenOver = 0
    /// Of those, returns from a node the harness had not SIGKILLed (a live node that missed its heartbeats, e.g. while
    /// PostgreSQL restarted); fencing keeps its late outcome from counting.
    var fromNodesNotKilled = 0
    /// `delivery.lease-returned … reason=start-up` records: leases a restarting node returned from its own earlier run.
    var returnedAtStartUp = 0
    /// The longest time from a node's SIGKILL until a surviving node returned one of its leases, seconds.
    var longestKillToReturnSeconds = 0.0
    /// The longest time a taken-over delivery sat in a dead node's lease (lease to return), seconds: the wait the
    /// dead node caused that message.
    var longestHeldByDeadNodeSeconds = 0.0
    /// The longest time from the return until the delivery was done, seconds (queue backlog and partner outages, the
    /// same wait any due delivery has).
    var longestReturnToDeliverySeconds = 0.0

    /// Reads the figures from the lease and lease-return audit records, the kills, and the deliveries' final times.
    static func measure(records: [AuditRecord], kills: [NodeKill], deliveries: [DeliveryRecord]) -> ChaosTakeover {
        var takeover = ChaosTakeover()
        var deliveredAt: [String: Double] = [:]
        for delivery in deliveries where delivery.state == .delivered {
            deliveredAt[delivery.messageId + " " + delivery.partner] = delivery.updatedAt.timeIntervalSince1970
        }
        var lastLease: [String: (owner: String, at: Double)] = [:]
        for record in records {
            let key = record.messageId + " " + record.partner
            let at = Double(record.timeMillis) / 1000
            if record.event == AuditEvent.deliveryLeased.rawValue, let owner = quotedValue("owner", in: record.detail) {
                lastLease[key] = (owner, at)
                continue
            }
            guard record.event == AuditEvent.deliveryLeaseReturned.rawValue else { continue }
            if record.detail.contains("reason=start-up") { takeover.returnedAtStartUp += 1 }
            guard record.detail.contains("reason=node-dead"), let owner = quotedValue("reclaimed-from", in: record.detail) else { continue }
            takeover.takenOver += 1
            if let lease = lastLease[key], lease.owner == owner {
                takeover.longestHeldByDeadNodeSeconds = max(takeover.longestHeldByDeadNodeSeconds, at - lease.at)
            }
            if let delivered = deliveredAt[key] {
                takeover.longestReturnToDeliverySeconds = max(takeover.longestReturnToDeliverySeconds, delivered - at)
            }
            guard let pid = ownerPid(owner), let kill = kills.last(where: { $0.pid == pid && $0.at <= at + 1 }) else {
                takeover.fromNodesNotKilled += 1
                continue
            }
            takeover.longestKillToReturnSeconds = max(takeover.longestKillToReturnSeconds, at - kill.at)
        }
        return takeover
    }

    /// The value of `key=value` or `key="value"` in an audit detail.
    static func quotedValue(_ key: String, in detail: String) -> String? {
        guard let range = detail.range(of: key + "=") else { return nil }
        var value = detail[range.upperBound...]
        if value.hasPrefix("\"") {
            value = value.dropFirst()
            return String(value[..<(value.firstIndex(of: "\"") ?? value.endIndex)])
        }
        return String(value[..<(value.firstIndex(of: " ") ?? value.endIndex)])
    }

    /// The pid in a lease owner name `host/pid/run`.
    static func ownerPid(_ owner: String) -> Int32? {
        let parts = owner.split(separator: "/")
        return parts.count >= 2 ? Int32(parts[parts.count - 2]) : nil
    }
}
