import Crypto
import Foundation
import KetenpoortStore
import PostgresNIO

extension PostgresStore {
    /// Stores a message with one queued delivery per recipient in a shared transaction; idempotent on (id, sender, digest).
    public func accept(_ message: IncomingMessage, recipients: [String]) async throws -> AcceptOutcome {
        try message.validate(recipients: recipients)
        guard let cipher = keys?.cipher else {
            throw StoreError.keyError("the store was opened without payload keys; cannot accept message \(message.id)")
        }
        let (keyId, sealed) = try cipher.seal(message.payload, messageId: message.id)
        let stored = StoredMessage(
            id: message.id, kind: message.kind, senderOIN: message.senderOIN, recipients: recipients, digest: message.digest,
            receivedAt: Date(millis: message.receivedAt.millis), signedAt: Date(millis: message.signedAt.millis),
            urgent: message.urgent, retentionDeadline: Date(millis: message.retentionDeadline.millis), keyId: keyId, purgedAt: nil)
        let signedDigest = Data(SHA256.hash(data: message.payload))
        return try await write { connection, chain in
            try await Self.writeAccept(connection, chain: chain, message: stored, sealed: sealed, signedDigest: signedDigest,
                                       nowMillis: Date().millis)
        }
    }

    /// Inserts the message, its deliveries and their audit records, or reports the stored duplicate or a conflict.
    private static func writeAccept(
        _ connection: PostgresConnection, chain: AuditChainWriter, message: StoredMessage, sealed: Data, signedDigest: Data,
        nowMillis: Int64
    ) async throws -> AcceptOutcome {
        // Write transactions are serialised on the audit head, so no other node inserts this id between check and insert.
        if let existing = try await connection.query(
            "SELECT \(unescaped: PostgresRows.messageColumns) FROM messages WHERE id = \(message.id)", logger: PostgresDatabase.quiet
        ).collect().first.map(PostgresRows.message) {
            if existing.senderOIN != message.senderOIN {
                throw StoreError.messageConflict(messageId: message.id, rule: "it was accepted before from another sender")
            }
            if existing.digest != message.digest {
                throw StoreError.messageConflict(messageId: message.id, rule: "same id and sender, but a different digest")
            }
            return .duplicate(existing)
        }
        let recipients = message.recipients.joined(separator: "\n")
        try await connection.query("""
            INSERT INTO messages (id, kind, sender_oin, recipients, digest, received_ms, signed_ms, urgent, key_id, payload, retention_ms)
            VALUES (\(message.id), \(message.kind), \(message.senderOIN), \(recipients), \(message.digest), \(message.receivedAt.millis),
                    \(message.signedAt.millis), \(message.urgent), \(message.keyId), \(sealed), \(message.retentionDeadline.millis))
            """, logger: PostgresDatabase.quiet)
        try await chain.append(
            connection, event: .messageAccepted, messageId: message.id, actor: .system,
            detail: "kind=\(message.kind) sender=\(message.senderOIN) received-sha256=\(message.digest.hexString) "
                + "signed-sha256=\(signedDigest.hexString) "
                + "recipients=\(message.recipients.count) urgent=\(message.urgent ? 1 : 0) key=\(message.keyId ?? "")",
            timeMillis: nowMillis)
        let due = message.receivedAt.millis
        for partner in message.recipients {
            let id = try await connection.query("""
                INSERT INTO deliveries (message_id, partner, state, urgent, attempts, due_ms, next_attempt_ms, updated_ms)
                VALUES (\(message.id), \(partner), 'queued', \(message.urgent), 0, \(due), \(due), \(nowMillis)) RETURNING id
                """, logger: PostgresDatabase.quiet).collect().first?.decode(Int64.self) ?? 0
            try await chain.append(
                connection, event: .deliveryQueued, messageId: message.id, partner: partner, actor: .system,
                detail: "delivery=\(id) state=queued", timeMillis: nowMillis)
        }
        return .accepted(message)
    }
}
