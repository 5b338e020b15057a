import Foundation
import GRDB

extension SQLiteStore {
    /// Purges payloads past their retention deadline whose deliveries are all final; audits each purge.
    ///
    /// The message metadata, deliveries and audit records stay; only the sealed payload is removed
    /// (and, with `secure_delete`, overwritten in the database file).
    public func purgeExpiredPayloads(now: Date, limit: Int) async throws -> Int {
        guard limit > 0 else { throw StoreError.invalidArgument("the purge limit must be positive") }
        let nowMillis = now.millis
        return try await write { db in
            let ids = try String.fetchAll(
                db,
                sql: """
                    SELECT id FROM messages m
                    WHERE m.payload IS NOT NULL AND m.retention_ms <= ?
                      AND NOT EXISTS (SELECT 1 FROM deliveries d
                                      WHERE d.message_id = m.id AND d.state NOT IN ('delivered', 'failed'))
                    ORDER BY m.retention_ms LIMIT ?
                    """,
                arguments: [nowMillis, limit])
            var audit = try AuditAppender(db)
            for id in ids {
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
}
