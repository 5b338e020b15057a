import Foundation
import GRDB

/// A message ready to be written: validated and with its payload already sealed.
struct SealedAccept: Sendable {
    /// The message metadata (its plaintext payload is not kept here).
    var message: StoredMessage
    /// `nonce ‖ ciphertext ‖ tag` of the payload.
    var sealedPayload: Data
    /// SHA-256 of the signed message (the payload as delivered); `message.digest` is that of the bytes received.
    var signedDigest: Data
}

/// Writes one accept: the message, its deliveries and their audit records (``WriteBatcher`` runs it in a savepoint).
enum AcceptWriter {
    /// Stores `item`, or reports it as a duplicate; throws ``StoreError/messageConflict(messageId:rule:)`` for a clash.
    static func write(_ db: Database, _ item: SealedAccept, nowMillis: Int64) throws -> AcceptOutcome {
        let message = item.message
        if let existing = try Row.fetchOne(
            try db.cachedStatement(sql: "SELECT \(RowDecoding.messageColumns) FROM messages WHERE id = ?"), arguments: [message.id]
        ).map(RowDecoding.message) {
            if existing.senderOIN != message.senderOIN {
                throw StoreError.messageConflict(messageId: message.id, rule: "it was accepted before from another sender")
            }
            if existing.digest != message.digest {
                throw StoreError.messageConflict(messageId: message.id, rule: "same id and sender, but a different digest")
            }
            return .duplicate(existing)
        }
        try db.cachedStatement(
            sql: """
                INSERT INTO messages (id, kind, sender_oin, recipients, digest, received_ms, signed_ms, urgent,
                                      key_id, payload, retention_ms)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """).execute(
            arguments: [
                message.id, message.kind, message.senderOIN, message.recipients.joined(separator: "\n"),
                message.digest, message.receivedAt.millis, message.signedAt.millis, message.urgent,
                message.keyId, item.sealedPayload, message.retentionDeadline.millis,
            ])
        var audit = try AuditAppender(db)
        try audit.append(
            db, event: .messageAccepted, messageId: message.id, actor: .system,
            detail: "kind=\(message.kind) sender=\(message.senderOIN) received-sha256=\(message.digest.hexString) "
                + "signed-sha256=\(item.signedDigest.hexString) "
                + "recipients=\(message.recipients.count) urgent=\(message.urgent ? 1 : 0) key=\(message.keyId ?? "")",
            timeMillis: nowMillis)
        let due = message.receivedAt.millis
        for partner in message.recipients {
            try db.cachedStatement(
                sql: """
                    INSERT INTO deliveries (message_id, partner, state, urgent, attempts, due_ms, next_attempt_ms, updated_ms)
                    VALUES (?, ?, 'queued', ?, 0, ?, ?, ?)
                    """).execute(
                arguments: [message.id, partner, message.urgent, due, due, nowMillis])
            try audit.append(
                db, event: .deliveryQueued, messageId: message.id, partner: partner, actor: .system,
                detail: "delivery=\(db.lastInsertedRowID) state=queued", timeMillis: nowMillis)
        }
        return .accepted(message)
    }
}
