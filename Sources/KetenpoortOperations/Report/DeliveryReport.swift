import Foundation
import KetenpoortStore

/// The inspectorate's figures per partner and kind: accepted, delivered, failed, pending, delivery time p50/p95.
public struct DeliveryReportRow: Encodable, Equatable {
    public var partner: String
    public var kind: String
    public var accepted: Int
    public var delivered: Int
    public var failed: Int
    public var pending: Int
    public var delivery_seconds_p50: Double?
    public var delivery_seconds_p95: Double?
}

/// Aggregates delivery facts into report rows.
public enum DeliveryReport {
    /// One row per (partner, kind), sorted; delivery time is receipt stored minus message received.
    public static func rows(_ facts: [DeliveryFact]) -> [DeliveryReportRow] {
        let groups = Dictionary(grouping: facts) { "\($0.partner)\u{0}\($0.kind)" }
        return groups.values.compactMap { group -> DeliveryReportRow? in
            guard let first = group.first else { return nil }
            let times = group.filter { $0.state == .delivered }
                .map { $0.updatedAt.timeIntervalSince($0.receivedAt) }.sorted()
            return DeliveryReportRow(
                partner: first.partner, kind: first.kind, accepted: group.count,
                delivered: times.count, failed: group.filter { $0.state == .failed }.count,
                pending: group.filter { !$0.state.isFinal }.count,
                delivery_seconds_p50: percentile(times, 0.50), delivery_seconds_p95: percentile(times, 0.95))
        }.sorted { ($0.partner, $0.kind) < ($1.partner, $1.kind) }
    }

    /// The nearest-rank percentile of sorted values (nil when empty), rounded to milliseconds.
    public static func percentile(_ sorted: [Double], _ fraction: Double) -> Double? {
        guard !sorted.isEmpty else { return nil }
        let rank = Int((fraction * Double(sorted.count)).rounded(.up))
        let value = sorted[min(max(rank, 1), sorted.count) - 1]
        return (value * 1000).rounded() / 1000
    }
}
