import Foundation
import KetenpoortStore
import PostgresNIO

extension PostgresStore {
    /// The message's metadata and deliveries, or nil if unknown.
    public func status(messageId: String) async throws -> MessageStatus? {
        try await database.withConnection("read a message's status") { connection in
            guard let message = try await connection.query(
                "SELECT \(unescaped: PostgresRows.messageColumns) FROM messages WHERE id = \(messageId)", logger: PostgresDatabase.quiet
            ).collect().first.map(PostgresRows.message) else { return nil }
            let deliveries = try await connection.query(
                "SELECT \(unescaped: PostgresRows.deliveryColumns) FROM deliveries WHERE message_id = \(messageId) ORDER BY id",
                logger: PostgresDatabase.quiet
            ).collect().map(PostgresRows.delivery)
            return MessageStatus(message: message, deliveries: deliveries)
        }
    }

    /// The decrypted payload, nil if purged; throws ``StoreError/messageNotFound(messageId:)`` if unknown.
    public func payload(messageId: String) async throws -> Data? {
        guard let row = try await rows("read a payload", "SELECT payload, key_id FROM messages WHERE id = \(messageId)").first else {
            throw StoreError.messageNotFound(messageId: messageId)
        }
        let (sealed, keyId) = try row.decode((Data?, String?).self)
        guard let sealed, let keyId else { return nil }
        guard let cipher = try await keys?.cipher(opening: [keyId], database: database) else {
            throw StoreError.keyError("the store was opened without payload keys; cannot read message \(messageId)")
        }
        return try cipher.open(sealed, messageId: messageId, keyId: keyId)
    }

    /// One delivery, or nil.
    public func delivery(_ delivery: DeliveryID) async throws -> DeliveryRecord? {
        try await rows("read a delivery", "SELECT \(unescaped: PostgresRows.deliveryColumns) FROM deliveries WHERE id = \(delivery)")
            .first.map(PostgresRows.delivery)
    }

    /// Counts per partner and state.
    public func countsByPartnerAndState() async throws -> [PartnerStateCount] {
        try await rows("count deliveries", "SELECT partner, state, count(*) FROM deliveries GROUP BY partner, state ORDER BY partner, state")
            .compactMap { row in
                let (partner, state, count) = try row.decode((String, String, Int64).self)
                return DeliveryState(rawValue: state).map { PartnerStateCount(partner: partner, state: $0, count: Int(count)) }
            }
    }

    /// Deliveries matching `filter` after the id `after`, in id order, at most `limit` (keyset paging).
    public func listDeliveries(_ filter: DeliveryFilter, after: DeliveryID?, limit: Int) async throws -> [DeliveryRecord] {
        let queueFilter = QueueFilter(partner: filter.partner, states: filter.state.map { [$0] }, messageId: filter.messageId)
        return try await listQueue(queueFilter, after: after, limit: limit).map(\.delivery)
    }

    /// Messages (metadata, no payload) with an id greater than `after`, in id order, at most `limit`.
    public func storedMessages(after: String?, limit: Int) async throws -> [StoredMessage] {
        let after = after ?? ""
        return try await rows("list messages", """
            SELECT \(unescaped: PostgresRows.messageColumns) FROM messages WHERE id > \(after) ORDER BY id LIMIT \(limit)
            """).map(PostgresRows.message)
    }
}
