import Foundation
import GRDB

/// Decodes store rows into public values.
enum RowDecoding {
    /// The columns of `deliveries` selected for a ``DeliveryRecord``.
    static let deliveryColumns = """
        id, message_id, partner, state, urgent, attempts, next_attempt_ms, lease_owner, lease_expiry_ms,
        last_error_class, last_error_text, receipt, updated_ms
        """

    /// The columns of `messages` selected for a ``StoredMessage`` (not the payload).
    static let messageColumns = """
        id, kind, sender_oin, recipients, digest, received_ms, signed_ms, urgent, retention_ms, key_id, purged_ms
        """

    /// Decodes a delivery row.
    static func delivery(_ row: Row) throws -> DeliveryRecord {
        let stateText = try row.decode(String.self, forColumn: "state")
        guard let state = DeliveryState(rawValue: stateText) else {
            throw StoreError.database("delivery row has unknown state \(stateText)")
        }
        return DeliveryRecord(
            id: try row.decode(Int64.self, forColumn: "id"),
            messageId: try row.decode(String.self, forColumn: "message_id"),
            partner: try row.decode(String.self, forColumn: "partner"),
            state: state,
            urgent: try row.decode(Bool.self, forColumn: "urgent"),
            attempts: try row.decode(Int.self, forColumn: "attempts"),
            nextAttemptAt: try row.decode(Int64?.self, forColumn: "next_attempt_ms").map(Date.init(millis:)),
            leaseOwner: try row.decode(String?.self, forColumn: "lease_owner"),
            leaseExpiresAt: try row.decode(Int64?.self, forColumn: "lease_expiry_ms").map(Date.init(millis:)),
            lastErrorClass: try row.decode(String?.self, forColumn: "last_error_class").map(ErrorClass.init(rawValue:)),
            lastErrorText: try row.decode(String?.self, forColumn: "last_error_text"),
            receipt: try row.decode(Data?.self, forColumn: "receipt"),
            updatedAt: Date(millis: try row.decode(Int64.self, forColumn: "updated_ms")))
    }

    /// Decodes a message row (metadata only).
    static func message(_ row: Row) throws -> StoredMessage {
        let recipients = try row.decode(String.self, forColumn: "recipients")
        return StoredMessage(
            id: try row.decode(String.self, forColumn: "id"),
            kind: try row.decode(String.self, forColumn: "kind"),
            senderOIN: try row.decode(String.self, forColumn: "sender_oin"),
            recipients: recipients.isEmpty ? [] : recipients.split(separator: "\n").map(String.init),
            digest: try row.decode(Data.self, forColumn: "digest"),
            receivedAt: Date(millis: try row.decode(Int64.self, forColumn: "received_ms")),
            signedAt: Date(millis: try row.decode(Int64.self, forColumn: "signed_ms")),
            urgent: try row.decode(Bool.self, forColumn: "urgent"),
            retentionDeadline: Date(millis: try row.decode(Int64.self, forColumn: "retention_ms")),
            keyId: try row.decode(String?.self, forColumn: "key_id"),
            purgedAt: try row.decode(Int64?.self, forColumn: "purged_ms").map(Date.init(millis:)))
    }

    /// Decodes an audit row.
    static func audit(_ row: Row) throws -> AuditRecord {
        AuditRecord(
            sequence: try row.decode(Int64.self, forColumn: "seq"),
            timeMillis: try row.decode(Int64.self, forColumn: "time_ms"),
            event: try row.decode(String.self, forColumn: "event"),
            messageId: try row.decode(String.self, forColumn: "message_id"),
            partner: try row.decode(String.self, forColumn: "partner"),
            actor: try row.decode(String.self, forColumn: "actor"),
            detail: try row.decode(String.self, forColumn: "detail"),
            previousHash: try row.decode(Data.self, forColumn: "prev_hash"),
            hash: try row.decode(Data.self, forColumn: "hash"))
    }

    /// Decodes a checkpoint row.
    static func checkpoint(_ row: Row) throws -> AuditCheckpoint {
        var checkpoint = AuditCheckpoint(
            id: try row.decode(Int64.self, forColumn: "id"),
            sequence: try row.decode(Int64.self, forColumn: "seq"),
            headHash: try row.decode(Data.self, forColumn: "head_hash"),
            timeMillis: try row.decode(Int64.self, forColumn: "time_ms"),
            algorithm: try row.decode(String.self, forColumn: "algorithm"),
            keyFingerprint: try row.decode(String.self, forColumn: "key_fingerprint"),
            signature: try row.decode(Data.self, forColumn: "signature"))
        TreeHeadColumns.decode(row, into: &checkpoint)
        return checkpoint
    }

    /// Fetches one delivery by id inside a transaction.
    static func fetchDelivery(_ db: Database, id: DeliveryID) throws -> DeliveryRecord? {
        try Row.fetchOne(try db.cachedStatement(sql: "SELECT \(deliveryColumns) FROM deliveries WHERE id = ?"), arguments: [id])
            .map(delivery)
    }
}
