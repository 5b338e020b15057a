import Foundation
import KetenpoortStore

/// How surviving nodes took over the deliveries of killed nodes, from the audit trail.
struct ChaosTakeover: Codable, Sendable, Equatable {
    /// `delivery.lease-returned … reason=node-dead` records: deliveries a surviving node returned from a dead node's lease.
    var takenOver = 0
    /// `delivery.lease-returned … reason=start-up` records: leases a restarting (single) node returned to itself.
    var returnedAtStartUp = 0
    /// The longest time from a node's SIGKILL until a surviving node returned one of its leases, seconds.
    var longestKillToReturnSeconds = 0.0
    /// The longest time from a node's SIGKILL until a delivery it held was delivered, seconds.
    var longestKillToDeliverySeconds = 0.0
    /// Node-dead returns whose owner's kill was not found (should be 0).
    var unmatched = 0

    /// Reads the figures from the lease-return audit records, the kills, and the deliveries' final times.
    static func measure(records: [AuditRecord], kills: [NodeKill], deliveries: [DeliveryRecord]) -> ChaosTakeover {
        var takeover = ChaosTakeover()
        var deliveredAt: [String: Double] = [:]
        for delivery in deliveries where delivery.state == .delivered {
            deliveredAt[delivery.messageId + " " + delivery.partner] = delivery.updatedAt.timeIntervalSince1970
        }
        for record in records where record.event == AuditEvent.deliveryLeaseReturned.rawValue {
            if record.detail.contains("reason=start-up") { takeover.returnedAtStartUp += 1 }
            guard record.detail.contains("reason=node-dead") else { continue }
            takeover.takenOver += 1
            let returnedAt = Double(record.timeMillis) / 1000
            guard let pid = ownerPid(record.detail),
                  let kill = kills.last(where: { $0.pid == pid && $0.at <= returnedAt + 1 }) else {
                takeover.unmatched += 1
                continue
            }
            takeover.longestKillToReturnSeconds = max(takeover.longestKillToReturnSeconds, returnedAt - kill.at)
            if let delivered = deliveredAt[record.messageId + " " + record.partner] {
                takeover.longestKillToDeliverySeconds = max(takeover.longestKillToDeliverySeconds, delivered - kill.at)
            }
        }
        return takeover
    }

    /// The pid in `reclaimed-from="host/pid/run"` of an audit detail.
    static func ownerPid(_ detail: String) -> Int32? {
        guard let range = detail.range(of: "reclaimed-from=") else { return nil }
        var value = detail[range.upperBound...]
        if value.hasPrefix("\"") {
            value = value.dropFirst()
            value = value[..<(value.firstIndex(of: "\"") ?? value.endIndex)]
        } else {
            value = value[..<(value.firstIndex(of: " ") ?? value.endIndex)]
        }
        let parts = value.split(separator: "/")
        return parts.count >= 2 ? Int32(parts[parts.count - 2]) : nil
    }
}
