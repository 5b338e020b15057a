import Foundation
import GRDB

extension SQLiteStore: OperatorQueries {
    /// Counts from the trigger-kept table; per row two index seeks (oldest by id, earliest next attempt).
    public func queueSummary() async throws -> [QueueStateSummary] {
        let counts = try await countsByPartnerAndState()
        return try await read { db in
            try counts.map { count in
                let oldest = try Int64.fetchOne(
                    db,
                    sql: """
                        SELECT m.received_ms FROM messages m WHERE m.id =
                            (SELECT message_id FROM deliveries WHERE id =
                                (SELECT MIN(id) FROM deliveries WHERE partner = ? AND state = ?))
                        """,
                    arguments: [count.partner, count.state.rawValue])
                var next: Int64?
                if count.state == .queued || count.state == .deferred {
                    next = try Int64.fetchOne(
                        db, sql: "SELECT MIN(next_attempt_ms) FROM deliveries WHERE partner = ? AND state = ?",
                        arguments: [count.partner, count.state.rawValue])
                }
                return QueueStateSummary(
                    partner: count.partner, state: count.state, count: count.count,
                    oldestReceivedAt: oldest.map(Date.init(millis:)), nextAttemptAt: next.map(Date.init(millis:)))
            }
        }
    }

    /// Counts unfinished deliveries per partner and age bucket in SQL (one pass over the unfinished ones).
    public func queueAgeShape(now: Date, bucketBounds: [TimeInterval]) async throws -> [QueueAgeShape] {
        guard !bucketBounds.isEmpty, zip(bucketBounds, bucketBounds.dropFirst()).allSatisfy({ $0 < $1 }) else {
            throw StoreError.invalidArgument("age buckets must be given in increasing order")
        }
        let cases = bucketBounds.enumerated().map { index, bound in
            "WHEN \(now.millis) - m.received_ms < \(Int64(bound * 1000)) THEN \(index)"
        }.joined(separator: " ")
        let sql = """
            SELECT d.partner AS partner, CASE \(cases) ELSE \(bucketBounds.count) END AS bucket, COUNT(*) AS n
            FROM deliveries d JOIN messages m ON m.id = d.message_id
            WHERE d.state IN ('queued', 'sending', 'deferred', 'held')
            GROUP BY d.partner, bucket ORDER BY d.partner
            """
        let width = bucketBounds.count + 1
        return try await read { db in
            var shapes: [String: [Int]] = [:]
            for row in try Row.fetchAll(db, sql: sql) {
                let partner = try row.decode(String.self, forColumn: "partner")
                let bucket = try row.decode(Int.self, forColumn: "bucket")
                var buckets = shapes[partner] ?? Array(repeating: 0, count: width)
                buckets[min(max(bucket, 0), width - 1)] += try row.decode(Int.self, forColumn: "n")
                shapes[partner] = buckets
            }
            return shapes.keys.sorted().compactMap { partner in
                shapes[partner].map { QueueAgeShape(partner: partner, buckets: $0) }
            }
        }
    }

    /// Keyset-paged list of deliveries joined with their message's kind and receive time.
    public func listQueue(_ filter: QueueFilter, after: DeliveryID?, limit: Int) async throws -> [QueueEntry] {
        guard limit > 0 else { throw StoreError.invalidArgument("the list limit must be positive") }
        var conditions = ["d.id > ?"]
        var arguments: [(any DatabaseValueConvertible)?] = [after ?? 0]
        if let partner = filter.partner {
            conditions.append("d.partner = ?")
            arguments.append(partner)
        }
        if let states = filter.states, !states.isEmpty {
            conditions.append("d.state IN (" + states.map { _ in "?" }.joined(separator: ", ") + ")")
            arguments += states.map(\.rawValue)
        }
        if let kind = filter.kind {
            conditions.append("m.kind = ?")
            arguments.append(kind)
        }
        if let before = filter.receivedBefore {
            conditions.append("m.received_ms < ?")
            arguments.append(before.millis)
        }
        if let urgent = filter.urgent {
            conditions.append("d.urgent = ?")
            arguments.append(urgent)
        }
        if let messageId = filter.messageId {
            conditions.append("d.message_id = ?")
            arguments.append(messageId)
        }
        arguments.append(limit)
        let columns = RowDecoding.deliveryColumns.split(separator: ",")
            .map { "d." + $0.trimmingCharacters(in: .whitespacesAndNewlines) }.joined(separator: ", ")
        let sql = "SELECT \(columns), m.kind AS m_kind, m.received_ms AS m_received_ms "
            + "FROM deliveries d JOIN messages m ON m.id = d.message_id WHERE "
            + conditions.joined(separator: " AND ") + " ORDER BY d.id LIMIT ?"
        let statementArguments = StatementArguments(arguments)
        return try await read { db in
            try Row.fetchAll(db, sql: sql, arguments: statementArguments).map { row in
                QueueEntry(
                    delivery: try RowDecoding.delivery(row), kind: try row.decode(String.self, forColumn: "m_kind"),
                    receivedAt: Date(millis: try row.decode(Int64.self, forColumn: "m_received_ms")))
            }
        }
    }

    /// The deliveries of messages received in the period (through the `messages_received` index).
    public func deliveryFacts(since: Date, until: Date) async throws -> [DeliveryFact] {
        let from = since.millis
        let to = until.millis
        return try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT d.partner, m.kind, d.state, m.received_ms, d.updated_ms
                    FROM messages m JOIN deliveries d ON d.message_id = m.id
                    WHERE m.received_ms >= ? AND m.received_ms < ?
                    """,
                arguments: [from, to]
            ).compactMap { row in
                guard let state = DeliveryState(rawValue: try row.decode(String.self, forColumn: "state")) else { return nil }
                return DeliveryFact(
                    partner: try row.decode(String.self, forColumn: "partner"),
                    kind: try row.decode(String.self, forColumn: "kind"), state: state,
                    receivedAt: Date(millis: try row.decode(Int64.self, forColumn: "received_ms")),
                    updatedAt: Date(millis: try row.decode(Int64.self, forColumn: "updated_ms")))
            }
        }
    }
}
