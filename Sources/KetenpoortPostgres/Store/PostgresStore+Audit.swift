import Foundation
import KetenpoortStore
import PostgresNIO

extension PostgresStore {
    /// The audit records of one message, in sequence order.
    public func auditTrail(messageId: String) async throws -> [AuditRecord] {
        try await rows("read a message's audit trail",
                       "SELECT \(unescaped: PostgresRows.auditColumns) FROM audit WHERE message_id = \(messageId) ORDER BY seq")
            .map(PostgresRows.audit)
    }

    /// Audit records after `afterSequence`, in sequence order, at most `limit`.
    public func auditRecords(afterSequence: Int64, limit: Int) async throws -> [AuditRecord] {
        try await rows("read audit records", """
            SELECT \(unescaped: PostgresRows.auditColumns) FROM audit WHERE seq > \(afterSequence) ORDER BY seq LIMIT \(Int64(limit))
            """).map(PostgresRows.audit)
    }

    /// Audit records at or after `since` and after `afterSequence`, in sequence order, at most `limit`.
    public func auditRecords(since: Date, afterSequence: Int64, limit: Int) async throws -> [AuditRecord] {
        try await rows("read audit records", """
            SELECT \(unescaped: PostgresRows.auditColumns) FROM audit WHERE seq > \(afterSequence) AND time_ms >= \(since.millis)
            ORDER BY seq LIMIT \(Int64(limit))
            """).map(PostgresRows.audit)
    }

    /// The sequence number of the last audit record (0 if none).
    public func auditHeadSequence() async throws -> Int64 {
        try await rows("read the audit head", "SELECT seq FROM audit_head WHERE id = 1").first?.decode(Int64.self) ?? 0
    }

    /// Appends one audit record that changes no state, in a shared durable transaction.
    public func record(event: AuditEvent, messageId: String, partner: String, actor: AuditActor, detail: String, now: Date) async throws {
        let nowMillis = now.millis
        let cleanDetail = AuditText.clean(detail, limit: 400)
        _ = try await write { connection, chain in
            try await chain.append(connection, event: event, messageId: messageId, partner: partner, actor: actor,
                                   detail: cleanDetail, timeMillis: nowMillis)
        }
    }

    /// Deletes a payload at an operator's request; refused while a delivery may still need it.
    public func purgePayload(messageId: String, by action: OperatorAction, now: Date) async throws {
        guard !action.name.trimmingCharacters(in: .whitespaces).isEmpty, !action.reason.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw StoreError.invalidArgument("purging a payload needs the operator's name and a reason")
        }
        let nowMillis = now.millis
        try await write { connection, chain in
            let rows = try await connection.query("SELECT payload IS NOT NULL FROM messages WHERE id = \(messageId) FOR UPDATE",
                                                  logger: PostgresDatabase.quiet).collect()
            guard let row = rows.first else { throw StoreError.messageNotFound(messageId: messageId) }
            let active = try await connection.query("""
                SELECT count(*) FROM deliveries WHERE message_id = \(messageId) AND state IN ('queued', 'sending', 'deferred')
                """, logger: PostgresDatabase.quiet).collect().first?.decode(Int64.self) ?? 0
            guard active == 0 else {
                throw StoreError.invalidArgument(
                    "message \(messageId) still has \(active) delivery(ies) queued, sending or deferred: hold or fail them first")
            }
            guard try row.decode(Bool.self) else {
                throw StoreError.invalidArgument("the payload of message \(messageId) was already purged")
            }
            try await connection.query("UPDATE messages SET payload = NULL, purged_ms = \(nowMillis) WHERE id = \(messageId)",
                                       logger: PostgresDatabase.quiet)
            try await chain.append(connection, event: .payloadPurgedByOperator, messageId: messageId, actor: .operator(action.name),
                                   detail: "reason=\(AuditText.quoted(action.reason))", timeMillis: nowMillis)
        }
    }

    /// Purges payloads whose retention deadline has passed (failing deliveries not yet final unless in flight); audited.
    public func purgeExpiredPayloads(now: Date, limit: Int) async throws -> Int {
        guard limit > 0 else { throw StoreError.invalidArgument("the purge limit must be positive") }
        let nowMillis = now.millis
        return try await write { connection, chain in
            let due = try await connection.query("""
                SELECT id, retention_ms FROM messages m
                WHERE m.payload IS NOT NULL AND m.retention_ms <= \(nowMillis)
                  AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.message_id = m.id AND d.state = 'sending')
                ORDER BY m.retention_ms LIMIT \(Int64(limit)) FOR UPDATE SKIP LOCKED
                """, logger: PostgresDatabase.quiet).collect().map { try $0.decode((String, Int64).self) }
            for (id, deadline) in due {
                let open = try await connection.query("""
                    SELECT id, partner, state FROM deliveries WHERE message_id = \(id) AND state IN ('queued', 'deferred', 'held')
                    ORDER BY id FOR UPDATE
                    """, logger: PostgresDatabase.quiet).collect().map { try $0.decode((Int64, String, String).self) }
                for (delivery, partner, state) in open {
                    try await Self.markFailed(connection, id: delivery, errorClass: .retentionExpired,
                                              text: "the retention period ended before the delivery was final", receipt: nil,
                                              nowMillis: nowMillis)
                    try await chain.append(connection, event: .deliveryFailed, messageId: id, partner: partner, actor: .system,
                                           detail: "delivery=\(delivery) from=\(state) error=\(ErrorClass.retentionExpired.rawValue)",
                                           timeMillis: nowMillis)
                }
                try await connection.query("UPDATE messages SET payload = NULL, key_id = NULL, purged_ms = \(nowMillis) WHERE id = \(id)",
                                           logger: PostgresDatabase.quiet)
                try await chain.append(connection, event: .payloadPurged, messageId: id, actor: .system,
                                       detail: "retention-deadline=\(deadline)", timeMillis: nowMillis)
            }
            return due.count
        }
    }
}
