import Foundation
import KetenpoortStore
import PostgresNIO

extension PostgresStore: OperatorQueries {
    /// Per partner and state: the count, the oldest message's receive time and the earliest next attempt.
    public func queueSummary() async throws -> [QueueStateSummary] {
        try await rows("summarise the queue", """
            SELECT d.partner, d.state, count(*), min(m.received_ms), min(d.next_attempt_ms)
            FROM deliveries d JOIN messages m ON m.id = d.message_id GROUP BY d.partner, d.state ORDER BY d.partner, d.state
            """).compactMap { row in
            let (partner, stateText, count, oldest, next) = try row.decode((String, String, Int64, Int64?, Int64?).self)
            guard let state = DeliveryState(rawValue: stateText) else { return nil }
            let waiting = state == .queued || state == .deferred
            return QueueStateSummary(partner: partner, state: state, count: Int(count), oldestReceivedAt: oldest.map(Date.init(millis:)),
                                     nextAttemptAt: waiting ? next.map(Date.init(millis:)) : nil)
        }
    }

    /// Counts unfinished deliveries per partner and age bucket in SQL.
    public func queueAgeShape(now: Date, bucketBounds: [TimeInterval]) async throws -> [QueueAgeShape] {
        guard !bucketBounds.isEmpty, zip(bucketBounds, bucketBounds.dropFirst()).allSatisfy({ $0 < $1 }) else {
            throw StoreError.invalidArgument("age buckets must be given in increasing order")
        }
        let cases = bucketBounds.enumerated().map { index, bound in
            "WHEN \(now.millis) - m.received_ms < \(Int64(bound * 1000)) THEN \(index)"
        }.joined(separator: " ")
        let width = bucketBounds.count + 1
        var shapes: [String: [Int]] = [:]
        for row in try await rows("shape the queue by age", PostgresQuery(unsafeSQL: """
            SELECT d.partner, CASE \(cases) ELSE \(bucketBounds.count) END AS bucket, count(*)
            FROM deliveries d JOIN messages m ON m.id = d.message_id
            WHERE d.state IN ('queued', 'sending', 'deferred', 'held') GROUP BY d.partner, bucket ORDER BY d.partner
            """)) {
            let (partner, bucket, count) = try row.decode((String, Int32, Int64).self)
            var buckets = shapes[partner] ?? Array(repeating: 0, count: width)
            buckets[min(max(Int(bucket), 0), width - 1)] += Int(count)
            shapes[partner] = buckets
        }
        return shapes.keys.sorted().compactMap { partner in shapes[partner].map { QueueAgeShape(partner: partner, buckets: $0) } }
    }

    /// Keyset-paged list of deliveries joined with their message's kind and receive time.
    public func listQueue(_ filter: QueueFilter, after: DeliveryID?, limit: Int) async throws -> [QueueEntry] {
        guard limit > 0 else { throw StoreError.invalidArgument("the list limit must be positive") }
        var bindings = PostgresBindings()
        var conditions: [String] = []
        func bind<T: PostgresNonThrowingEncodable & PostgresDynamicTypeEncodable>(_ value: T, _ condition: (String) -> String) {
            bindings.append(value)
            conditions.append(condition("$\(bindings.count)"))
        }
        bind(after ?? 0) { "d.id > \($0)" }
        if let partner = filter.partner { bind(partner) { "d.partner = \($0)" } }
        if let states = filter.states, !states.isEmpty { bind(states.map(\.rawValue)) { "d.state = ANY(\($0))" } }
        if let kind = filter.kind { bind(kind) { "m.kind = \($0)" } }
        if let before = filter.receivedBefore { bind(before.millis) { "m.received_ms < \($0)" } }
        if let urgent = filter.urgent { bind(urgent) { "d.urgent = \($0)" } }
        if let messageId = filter.messageId { bind(messageId) { "d.message_id = \($0)" } }
        bindings.append(Int64(limit))
        let sql = "SELECT \(PostgresRows.deliveryColumnsOfD), m.kind AS m_kind, m.received_ms AS m_received_ms "
            + "FROM deliveries d JOIN messages m ON m.id = d.message_id WHERE " + conditions.joined(separator: " AND ")
            + " ORDER BY d.id LIMIT $\(bindings.count)"
        return try await rows("list the queue", PostgresQuery(unsafeSQL: sql, binds: bindings)).map { row in
            let cells = row.makeRandomAccess()
            return QueueEntry(delivery: try PostgresRows.delivery(row), kind: try cells["m_kind"].decode(String.self),
                              receivedAt: Date(millis: try cells["m_received_ms"].decode(Int64.self)))
        }
    }

    /// The deliveries of messages received in the period.
    public func deliveryFacts(since: Date, until: Date) async throws -> [DeliveryFact] {
        try await rows("read delivery facts", """
            SELECT d.partner, m.kind, d.state, m.received_ms, d.updated_ms FROM messages m JOIN deliveries d ON d.message_id = m.id
            WHERE m.received_ms >= \(since.millis) AND m.received_ms < \(until.millis)
            """).compactMap { row in
            let (partner, kind, stateText, received, updated) = try row.decode((String, String, String, Int64, Int64).self)
            guard let state = DeliveryState(rawValue: stateText) else { return nil }
            return DeliveryFact(partner: partner, kind: kind, state: state, receivedAt: Date(millis: received), updatedAt: Date(millis: updated))
        }
    }
}
