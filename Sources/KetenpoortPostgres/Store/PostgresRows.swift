import Foundation
import KetenpoortStore
import PostgresNIO

/// Decodes PostgreSQL rows into the store's public values (the same columns as the SQLite store).
enum PostgresRows {
    /// The columns of `deliveries` selected for a ``DeliveryRecord``.
    static let deliveryColumns = """
        id, message_id, partner, state, urgent, attempts, next_attempt_ms, lease_owner, lease_expiry_ms, \
        last_error_class, last_error_text, receipt, updated_ms
        """
    /// The delivery columns prefixed with the table alias `d.`.
    static let deliveryColumnsOfD = deliveryColumns.split(separator: ",")
        .map { "d." + $0.trimmingCharacters(in: .whitespacesAndNewlines) }.joined(separator: ", ")
    /// The columns of `messages` selected for a ``StoredMessage`` (not the payload).
    static let messageColumns = "id, kind, sender_oin, recipients, digest, received_ms, signed_ms, urgent, retention_ms, key_id, purged_ms"
    /// The columns of `audit`.
    static let auditColumns = "seq, time_ms, event, message_id, partner, actor, detail, prev_hash, hash"
    /// The columns of `audit_checkpoints`.
    static let checkpointColumns = "id, seq, head_hash, time_ms, algorithm, key_fingerprint, signature, format, tree_size, root_hash, frontier"

    /// Decodes a delivery row.
    static func delivery(_ row: PostgresRow) throws -> DeliveryRecord {
        let cells = row.makeRandomAccess()
        let stateText = try cells["state"].decode(String.self)
        guard let state = DeliveryState(rawValue: stateText) else {
            throw StoreError.database("delivery row has unknown state \(stateText)")
        }
        return DeliveryRecord(
            id: try cells["id"].decode(Int64.self),
            messageId: try cells["message_id"].decode(String.self),
            partner: try cells["partner"].decode(String.self),
            state: state,
            urgent: try cells["urgent"].decode(Bool.self),
            attempts: Int(try cells["attempts"].decode(Int32.self)),
            nextAttemptAt: try cells["next_attempt_ms"].decode(Int64?.self).map(Date.init(millis:)),
            leaseOwner: try cells["lease_owner"].decode(String?.self),
            leaseExpiresAt: try cells["lease_expiry_ms"].decode(Int64?.self).map(Date.init(millis:)),
            lastErrorClass: try cells["last_error_class"].decode(String?.self).map(ErrorClass.init(rawValue:)),
            lastErrorText: try cells["last_error_text"].decode(String?.self),
            receipt: try cells["receipt"].decode(Data?.self),
            updatedAt: Date(millis: try cells["updated_ms"].decode(Int64.self)))
    }

    /// Decodes a message row (metadata only).
    static func message(_ row: PostgresRow) throws -> StoredMessage {
        let cells = row.makeRandomAccess()
        let recipients = try cells["recipients"].decode(String.self)
        return StoredMessage(
            id: try cells["id"].decode(String.self),
            kind: try cells["kind"].decode(String.self),
            senderOIN: try cells["sender_oin"].decode(String.self),
            recipients: recipients.isEmpty ? [] : recipients.split(separator: "\n").map(String.init),
            digest: try cells["digest"].decode(Data.self),
            receivedAt: Date(millis: try cells["received_ms"].decode(Int64.self)),
            signedAt: Date(millis: try cells["signed_ms"].decode(Int64.self)),
            urgent: try cells["urgent"].decode(Bool.self),
            retentionDeadline: Date(millis: try cells["retention_ms"].decode(Int64.self)),
            keyId: try cells["key_id"].decode(String?.self),
            purgedAt: try cells["purged_ms"].decode(Int64?.self).map(Date.init(millis:)))
    }

    /// Decodes an audit row.
    static func audit(_ row: PostgresRow) throws -> AuditRecord {
        let (sequence, time, event, messageId, partner, actor, detail, previous, hash) =
            try row.decode((Int64, Int64, String, String, String, String, String, Data, Data).self)
        return AuditRecord(sequence: sequence, timeMillis: time, event: event, messageId: messageId, partner: partner,
                           actor: actor, detail: detail, previousHash: previous, hash: hash)
    }

    /// Decodes a checkpoint row, with its signed tree head and frontier when it is a `KPCHECK2` head.
    static func checkpoint(_ row: PostgresRow) throws -> AuditCheckpoint {
        let cells = row.makeRandomAccess()
        var checkpoint = AuditCheckpoint(
            id: try cells["id"].decode(Int64.self),
            sequence: try cells["seq"].decode(Int64.self),
            headHash: try cells["head_hash"].decode(Data.self),
            timeMillis: try cells["time_ms"].decode(Int64.self),
            algorithm: try cells["algorithm"].decode(String.self),
            keyFingerprint: try cells["key_fingerprint"].decode(String.self),
            signature: try cells["signature"].decode(Data.self))
        if try cells["format"].decode(String.self) == TreeHeadColumns.treeHeadFormat,
           let size = try cells["tree_size"].decode(Int64?.self), let root = try cells["root_hash"].decode(Data?.self) {
            checkpoint.treeHead = SignedTreeHead(
                treeSize: size, rootHash: root, timeMillis: checkpoint.timeMillis,
                keySHA256: Data(hexString: checkpoint.keyFingerprint) ?? Data(), algorithm: checkpoint.algorithm,
                signature: checkpoint.signature)
            checkpoint.frontier = try cells["frontier"].decode(Data?.self).map(TreeHeadColumns.splitFrontier)
        }
        return checkpoint
    }

    /// Fetches one delivery by id on `connection`; with `lock` it is locked for the transaction.
    static func fetchDelivery(_ connection: PostgresConnection, id: DeliveryID, lock: Bool = false) async throws -> DeliveryRecord? {
        let query: PostgresQuery = lock
            ? "SELECT \(unescaped: deliveryColumns) FROM deliveries WHERE id = \(id) FOR UPDATE"
            : "SELECT \(unescaped: deliveryColumns) FROM deliveries WHERE id = \(id)"
        return try await connection.query(query, logger: PostgresDatabase.quiet).collect().first.map(delivery)
    }
}
