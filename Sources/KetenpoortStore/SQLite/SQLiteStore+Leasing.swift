import Foundation
import GRDB

/// A leased delivery row with its message's sealed payload, before decryption.
private struct LeasedRow: Sendable {
    var delivery: DeliveryRecord
    var kind: String
    var digest: Data
    var keyId: String?
    var sealed: Data?
    var receivedMillis: Int64
}

extension SQLiteStore {
    /// Leases up to `limit` due deliveries to `owner`: urgent first, then the longest due; audited.
    ///
    /// Due means queued or deferred with a next attempt at or before `now`, or sending with a lease
    /// that expired at or before `now` (its courier died or hung).
    public func lease(owner: String, limit: Int, leaseDuration: TimeInterval, now: Date) async throws -> [LeasedDelivery] {
        guard !owner.isEmpty else { throw StoreError.invalidArgument("the lease owner is empty") }
        guard limit > 0, leaseDuration > 0 else {
            throw StoreError.invalidArgument("lease limit and duration must be positive")
        }
        let nowMillis = now.millis
        let expiry = nowMillis + Int64((leaseDuration * 1000).rounded(.up))
        let rows = try await batchedWrite { db -> [LeasedRow] in
            var ids: [Int64] = []
            for urgent in [true, false] where ids.count < limit {
                ids += try Int64.fetchAll(
                    try db.cachedStatement(sql: "SELECT id FROM deliveries WHERE urgent = ? AND due_ms <= ? ORDER BY due_ms, id LIMIT ?"),
                    arguments: [urgent, nowMillis, limit - ids.count])
            }
            guard !ids.isEmpty else { return [] }
            let placeholders = Array(repeating: "?", count: ids.count).joined(separator: ",")
            let candidates = try Row.fetchAll(
                try db.cachedStatement(sql: """
                    SELECT d.\(RowDecoding.deliveryColumns.replacingOccurrences(of: ", ", with: ", d.")),
                           m.kind AS m_kind, m.digest AS m_digest, m.key_id AS m_key_id, m.payload AS m_payload,
                           m.received_ms AS m_received_ms
                    FROM deliveries d JOIN messages m ON m.id = d.message_id WHERE d.id IN (\(placeholders))
                    """),
                arguments: StatementArguments(ids))
            var byId: [Int64: Row] = [:]
            for row in candidates { byId[try row.decode(Int64.self, forColumn: "id")] = row }
            let update = try db.cachedStatement(sql: """
                UPDATE deliveries SET state = 'sending', attempts = attempts + 1, lease_owner = ?,
                    lease_expiry_ms = ?, due_ms = ?, updated_ms = ? WHERE id = ?
                """)
            var audit = try AuditAppender(db)
            var leased: [LeasedRow] = []
            leased.reserveCapacity(ids.count)
            for id in ids {
                guard let row = byId[id] else { continue }
                let before = try RowDecoding.delivery(row)
                try update.execute(arguments: [owner, expiry, expiry, nowMillis, id])
                var detail = "delivery=\(id) from=\(before.state.rawValue) attempt=\(before.attempts + 1) lease-until=\(expiry)"
                if before.state == .sending {
                    detail += " expired-owner=\(AuditText.quoted(before.leaseOwner ?? ""))"
                }
                try audit.append(
                    db, event: .deliveryLeased, messageId: before.messageId, partner: before.partner,
                    actor: .system, detail: detail + " owner=\(AuditText.quoted(owner))", timeMillis: nowMillis)
                var after = before
                after.state = .sending
                after.attempts += 1
                after.leaseOwner = owner
                after.leaseExpiresAt = Date(millis: expiry)
                after.updatedAt = Date(millis: nowMillis)
                leased.append(LeasedRow(
                    delivery: after,
                    kind: try row.decode(String.self, forColumn: "m_kind"),
                    digest: try row.decode(Data.self, forColumn: "m_digest"),
                    keyId: try row.decode(String?.self, forColumn: "m_key_id"),
                    sealed: try row.decode(Data?.self, forColumn: "m_payload"),
                    receivedMillis: try row.decode(Int64.self, forColumn: "m_received_ms")))
            }
            return leased
        }
        return try rows.map { row in
            var payload: Data?
            if let sealed = row.sealed, let keyId = row.keyId {
                guard let cipher else {
                    throw StoreError.keyError("the store was opened without payload keys; cannot lease for sending")
                }
                payload = try cipher.open(sealed, messageId: row.delivery.messageId, keyId: keyId)
            }
            return LeasedDelivery(delivery: row.delivery, kind: row.kind, digest: row.digest, payload: payload,
                                  receivedAt: Date(millis: row.receivedMillis))
        }
    }
}
