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
    /// Leases due deliveries to `owner`, per partner at most its free slots, urgent first, then the longest due; audited.
    ///
    /// Due means queued or deferred with a next attempt at or before `now`, or sending with a lease that expired
    /// at or before `now` (its courier died or hung). Each partner's rows come from two range scans of the index
    /// `(partner, urgent, due_ms)` that stop after its slot count. The lease token is the new attempt number.
    public func lease(owner: String, freeSlots: [String: Int], leaseDuration: TimeInterval, now: Date) async throws -> [LeasedDelivery] {
        guard !owner.isEmpty else { throw StoreError.invalidArgument("the lease owner is empty") }
        guard leaseDuration > 0 else { throw StoreError.invalidArgument("the lease duration must be positive") }
        guard let cipher else {
            throw StoreError.keyError("the store was opened without payload keys; cannot lease for sending")
        }
        let wanted = freeSlots.filter { !$0.key.isEmpty && $0.value > 0 }.sorted { $0.key < $1.key }
        guard !wanted.isEmpty else { return [] }
        let nowMillis = now.millis
        let expiry = nowMillis + Int64((leaseDuration * 1000).rounded(.up))
        let rows = try await batchedWrite { db -> [LeasedRow] in
            let ids = try Self.dueIds(db, partners: wanted, nowMillis: nowMillis)
            guard !ids.isEmpty else { return [] }
            return try Self.markLeased(db, ids: ids, owner: owner, nowMillis: nowMillis, expiry: expiry)
        }
        return rows.map { row in
            LeasedDelivery(delivery: row.delivery, token: LeaseToken(rawValue: Int64(row.delivery.attempts)), kind: row.kind,
                           digest: row.digest, content: cipher.leasedPayload(row.sealed, keyId: row.keyId, messageId: row.delivery.messageId), receivedAt: Date(millis: row.receivedMillis))
        }
    }

    /// The ids to lease: per partner urgent first, then the longest due, at most its free slots.
    private static func dueIds(_ db: Database, partners: [(key: String, value: Int)], nowMillis: Int64) throws -> [Int64] {
        let select = try db.cachedStatement(sql: """
            SELECT id FROM deliveries WHERE partner = ? AND urgent = ? AND due_ms <= ? ORDER BY due_ms, id LIMIT ?
            """)
        var ids: [Int64] = []
        for (partner, slots) in partners {
            var found = 0
            for urgent in [true, false] where found < slots {
                let batch = try Int64.fetchAll(select, arguments: [partner, urgent, nowMillis, slots - found])
                found += batch.count
                ids += batch
            }
        }
        return ids
    }

    /// Marks the rows `sending` under the new lease and appends one audit record each.
    private static func markLeased(_ db: Database, ids: [Int64], owner: String, nowMillis: Int64, expiry: Int64) throws -> [LeasedRow] {
        let placeholders = Array(repeating: "?", count: ids.count).joined(separator: ",")
        let candidates = try Row.fetchAll(
            db,
            sql: """
                SELECT d.\(RowDecoding.deliveryColumns.replacingOccurrences(of: ", ", with: ", d.")),
                       m.kind AS m_kind, m.digest AS m_digest, m.key_id AS m_key_id, m.payload AS m_payload,
                       m.received_ms AS m_received_ms
                FROM deliveries d JOIN messages m ON m.id = d.message_id WHERE d.id IN (\(placeholders))
                """,
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
}
