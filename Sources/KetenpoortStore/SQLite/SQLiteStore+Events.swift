import Crypto
import Foundation
import GRDB

extension SQLiteStore {
    /// Fails a leased delivery that the partner refused, keeping the signed refusal as the receipt.
    public func refuse(_ delivery: DeliveryID, owner: String, receipt: Data, reason: String, now: Date) async throws -> DeliveryRecord {
        let nowMillis = now.millis
        let reasonText = AuditText.clean(reason, limit: 60)
        let receiptDigest = Data(SHA256.hash(data: receipt)).hexString
        return try await batchedWrite { db in
            guard let before = try RowDecoding.fetchDelivery(db, id: delivery) else { throw StoreError.deliveryNotFound(delivery) }
            guard before.state == .sending else {
                throw StoreError.invalidTransition(delivery: delivery, messageId: before.messageId, action: "refuse",
                                                   from: before.state, allowed: [.sending])
            }
            guard before.leaseOwner == owner else {
                throw StoreError.leaseNotHeld(delivery: delivery, messageId: before.messageId, owner: owner, holder: before.leaseOwner)
            }
            try db.cachedStatement(
                sql: """
                    UPDATE deliveries SET state = 'failed', due_ms = NULL, next_attempt_ms = NULL, lease_expiry_ms = NULL,
                        last_error_class = ?, last_error_text = ?, receipt = ?, updated_ms = ? WHERE id = ?
                    """).execute(
                arguments: [ErrorClass.refused.rawValue, "refused by the partner: \(reasonText)", receipt, nowMillis, delivery])
            var audit = try AuditAppender(db)
            try audit.append(db, event: .deliveryRefused, messageId: before.messageId, partner: before.partner, actor: .system,
                             detail: "delivery=\(delivery) attempt=\(before.attempts) reason=\(AuditText.quoted(reasonText)) receipt-sha256=\(receiptDigest)",
                             timeMillis: nowMillis)
            guard let after = try RowDecoding.fetchDelivery(db, id: delivery) else { throw StoreError.deliveryNotFound(delivery) }
            return after
        }
    }

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
