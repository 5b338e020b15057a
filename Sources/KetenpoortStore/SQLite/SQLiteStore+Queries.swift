import Foundation
import GRDB

extension SQLiteStore {
    /// The message's metadata and deliveries, or nil if unknown.
    public func status(messageId: String) async throws -> MessageStatus? {
        try await read { db in
            guard let message = try Row.fetchOne(
                try db.cachedStatement(sql: "SELECT \(RowDecoding.messageColumns) FROM messages WHERE id = ?"), arguments: [messageId]
            ).map(RowDecoding.message) else { return nil }
            let deliveries = try Row.fetchAll(
                try db.cachedStatement(sql: "SELECT \(RowDecoding.deliveryColumns) FROM deliveries WHERE message_id = ? ORDER BY id"),
                arguments: [messageId]
            ).map(RowDecoding.delivery)
            return MessageStatus(message: message, deliveries: deliveries)
        }
    }

    /// The decrypted payload, nil if purged; throws ``StoreError/messageNotFound(messageId:)`` if unknown.
    public func payload(messageId: String) async throws -> Data? {
        let row = try await read { db -> (Data?, String?)? in
            guard let row = try Row.fetchOne(
                try db.cachedStatement(sql: "SELECT payload, key_id FROM messages WHERE id = ?"), arguments: [messageId]) else { return nil }
            return (try row.decode(Data?.self, forColumn: "payload"), try row.decode(String?.self, forColumn: "key_id"))
        }
        guard let (sealed, keyId) = row else { throw StoreError.messageNotFound(messageId: messageId) }
        guard let sealed, let keyId else { return nil }
        guard let cipher else {
            throw StoreError.keyError("the store was opened without payload keys; cannot read message \(messageId)")
        }
        return try cipher.open(sealed, messageId: messageId, keyId: keyId)
    }

    /// One delivery, or nil.
    public func delivery(_ delivery: DeliveryID) async throws -> DeliveryRecord? {
        try await read { db in try RowDecoding.fetchDelivery(db, id: delivery) }
    }

    /// Counts per partner and state, from the counts table kept by triggers (no scan of deliveries).
    public func countsByPartnerAndState() async throws -> [PartnerStateCount] {
        try await read { db in
            try Row.fetchAll(
                try db.cachedStatement(sql: "SELECT partner, state, n FROM delivery_counts WHERE n > 0 ORDER BY partner, state")
            ).compactMap { row in
                guard let state = DeliveryState(rawValue: try row.decode(String.self, forColumn: "state")) else {
                    return nil
                }
                return PartnerStateCount(
                    partner: try row.decode(String.self, forColumn: "partner"), state: state,
                    count: try row.decode(Int.self, forColumn: "n"))
            }
        }
    }

    /// Deliveries matching `filter` after the id `after`, in id order, at most `limit` (keyset paging).
    public func listDeliveries(_ filter: DeliveryFilter, after: DeliveryID?, limit: Int) async throws -> [DeliveryRecord] {
        let queueFilter = QueueFilter(partner: filter.partner, states: filter.state.map { [$0] }, messageId: filter.messageId)
        return try await listQueue(queueFilter, after: after, limit: limit).map(\.delivery)
    }
}
