import Foundation
import GRDB

/// A message as stored, with its sealed payload (still encrypted under `message.keyId`), for copying a store.
package struct ExportedMessage: Sendable {
    /// The metadata.
    package var message: StoredMessage
    /// `nonce ‖ ciphertext ‖ tag`, or nil once purged.
    package var sealedPayload: Data?
}

/// A delivery as stored, with the due time the lease queries use, for copying a store.
package struct ExportedDelivery: Sendable {
    /// The delivery.
    package var record: DeliveryRecord
    /// When it is due for (re)leasing, in milliseconds; nil when not leasable (final or held).
    package var dueMillis: Int64?
}

extension SQLiteStore {
    /// The payload keys this store was opened with (every key, the active one named), for copying a store.
    package var payloadKeyring: PayloadKeyring? { cipher?.keyring }

    /// Messages with an id after `after`, in id order, with their sealed payloads.
    package func exportMessages(after: String?, limit: Int) async throws -> [ExportedMessage] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT \(RowDecoding.messageColumns), payload FROM messages WHERE id > ? ORDER BY id LIMIT ?",
                             arguments: [after ?? "", limit]).map { row in
                ExportedMessage(message: try RowDecoding.message(row), sealedPayload: try row.decode(Data?.self, forColumn: "payload"))
            }
        }
    }

    /// Deliveries with an id after `after`, in id order, with their due times.
    package func exportDeliveries(after: DeliveryID, limit: Int) async throws -> [ExportedDelivery] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT \(RowDecoding.deliveryColumns), due_ms FROM deliveries WHERE id > ? ORDER BY id LIMIT ?",
                             arguments: [after, limit]).map { row in
                ExportedDelivery(record: try RowDecoding.delivery(row), dueMillis: try row.decode(Int64?.self, forColumn: "due_ms"))
            }
        }
    }

    /// Every witness cosignature, in the order they were stored.
    package func exportCosignatures() async throws -> [StoredCosignature] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM witness_cosignatures ORDER BY id").map(RowDecoding.cosignature)
        }
    }
}
