import Foundation
import GRDB

extension ErrorClass {
    /// The payload's retention period (counted from receipt) ended before the delivery was final.
    public static let retentionExpired = ErrorClass(rawValue: "retention-expired")
}

extension SQLiteStore {
    /// Purges payloads whose retention deadline (receipt + the kind's retention period) has passed; audits each purge.
    ///
    /// The deadline is a hard upper bound (AVG/GDPR storage limitation): a delivery that is still queued, deferred
    /// or held then fails with ``ErrorClass/retentionExpired``, in the same transaction. Only a message with a
    /// delivery in flight (`sending`) waits for that attempt's outcome. Message metadata, deliveries and audit
    /// records stay; only the sealed payload is removed (and, with `secure_delete`, overwritten in the file).
    public func purgeExpiredPayloads(now: Date, limit: Int) async throws -> Int {
        guard limit > 0 else { throw StoreError.invalidArgument("the purge limit must be positive") }
        let nowMillis = now.millis
        return try await write { db in
            let ids = try String.fetchAll(
                db,
                sql: """
                    SELECT id FROM messages m
                    WHERE m.payload IS NOT NULL AND m.retention_ms <= ?
                      AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.message_id = m.id AND d.state = 'sending')
                    ORDER BY m.retention_ms LIMIT ?
                    """,
                arguments: [nowMillis, limit])
            var audit = try AuditAppender(db)
            for id in ids {
                try Self.failUnfinishedDeliveries(db, messageId: id, audit: &audit, nowMillis: nowMillis)
                let deadline = try Int64.fetchOne(db, sql: "SELECT retention_ms FROM messages WHERE id = ?", arguments: [id]) ?? 0
                try db.execute(
                    sql: "UPDATE messages SET payload = NULL, key_id = NULL, purged_ms = ? WHERE id = ?",
                    arguments: [nowMillis, id])
                try audit.append(
                    db, event: .payloadPurged, messageId: id, actor: .system,
                    detail: "retention-deadline=\(deadline)", timeMillis: nowMillis)
            }
            return ids.count
        }
    }

    /// Fails every delivery of `messageId` that is queued, deferred or held: without its payload it cannot be sent.
    private static func failUnfinishedDeliveries(
        _ db: Database, messageId: String, audit: inout AuditAppender, nowMillis: Int64
    ) throws {
        let open = try Row.fetchAll(
            db, sql: "SELECT id, partner, state FROM deliveries WHERE message_id = ? AND state IN ('queued', 'deferred', 'held') ORDER BY id",
            arguments: [messageId])
        for row in open {
            let id: Int64 = row["id"]
            let partner: String = row["partner"]
            let state: String = row["state"]
            try db.execute(
                sql: """
                    UPDATE deliveries SET state = 'failed', due_ms = NULL, next_attempt_ms = NULL, lease_expiry_ms = NULL,
                        last_error_class = ?, last_error_text = ?, updated_ms = ? WHERE id = ?
                    """,
                arguments: [ErrorClass.retentionExpired.rawValue, "the retention period ended before the delivery was final",
                            nowMillis, id])
            try audit.append(
                db, event: .deliveryFailed, messageId: messageId, partner: partner, actor: .system,
                detail: "delivery=\(id) from=\(state) error=\(ErrorClass.retentionExpired.rawValue)", timeMillis: nowMillis)
        }
    }
}
