import Crypto
import Foundation
import GRDB

extension SQLiteStore {
    /// Appends one audit record in its own durable transaction.
    public func record(event: AuditEvent, messageId: String, partner: String, actor: AuditActor, detail: String, now: Date) async throws {
        let nowMillis = now.millis
        let cleanDetail = AuditText.clean(detail, limit: 400)
        try await batchedWrite { db in
            var audit = try AuditAppender(db)
            try audit.append(db, event: event, messageId: messageId, partner: partner, actor: actor, detail: cleanDetail, timeMillis: nowMillis)
        }
    }

    /// Deletes a payload at an operator's request; refused while a delivery may still need it.
    public func purgePayload(messageId: String, by action: OperatorAction, now: Date) async throws {
        guard !action.name.trimmingCharacters(in: .whitespaces).isEmpty, !action.reason.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw StoreError.invalidArgument("purging a payload needs the operator's name and a reason")
        }
        let nowMillis = now.millis
        try await write { db in
            guard try Bool.fetchOne(try db.cachedStatement(sql: "SELECT 1 FROM messages WHERE id = ?"), arguments: [messageId]) != nil else {
                throw StoreError.messageNotFound(messageId: messageId)
            }
            let active = try Int.fetchOne(
                try db.cachedStatement(sql: "SELECT COUNT(*) FROM deliveries WHERE message_id = ? AND state IN ('queued', 'sending', 'deferred')"),
                arguments: [messageId]) ?? 0
            guard active == 0 else {
                throw StoreError.invalidArgument("message \(messageId) still has \(active) delivery(ies) queued, sending or deferred: hold or fail them first")
            }
            try db.cachedStatement(sql: "UPDATE messages SET payload = NULL, purged_ms = ? WHERE id = ? AND payload IS NOT NULL").execute(
                           arguments: [nowMillis, messageId])
            guard db.changesCount > 0 else {
                throw StoreError.invalidArgument("the payload of message \(messageId) was already purged")
            }
            var audit = try AuditAppender(db)
            try audit.append(db, event: .payloadPurgedByOperator, messageId: messageId, actor: .operator(action.name),
                             detail: "reason=\(AuditText.quoted(action.reason))", timeMillis: nowMillis)
        }
    }
}
