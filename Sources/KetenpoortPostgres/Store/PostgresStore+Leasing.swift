import Foundation
import KetenpoortStore
import PostgresNIO

/// A leased delivery row with its message's sealed payload, before decryption.
private struct LeasedRow: Sendable {
    var delivery: DeliveryRecord
    var kind: String
    var digest: Data
    var keyId: String?
    var sealed: Data?
    var receivedMillis: Int64
}

extension PostgresStore {
    /// Leases due deliveries to `owner`, per partner at most its free slots, urgent first, then the longest due; audited.
    ///
    /// Rows are picked with `FOR UPDATE SKIP LOCKED`, so a row another transaction holds is passed over, never waited
    /// for or taken twice. The lease token is the new attempt number, which every later transition checks.
    public func lease(owner: String, freeSlots: [String: Int], leaseDuration: TimeInterval, now: Date) async throws -> [LeasedDelivery] {
        guard !owner.isEmpty else { throw StoreError.invalidArgument("the lease owner is empty") }
        guard leaseDuration > 0 else { throw StoreError.invalidArgument("the lease duration must be positive") }
        guard let keys else {
            throw StoreError.keyError("the store was opened without payload keys; cannot lease for sending")
        }
        let wanted = freeSlots.filter { !$0.key.isEmpty && $0.value > 0 }.sorted { $0.key < $1.key }
        guard !wanted.isEmpty else { return [] }
        let nowMillis = now.millis
        let expiry = nowMillis + Int64((leaseDuration * 1000).rounded(.up))
        // An idle dispatcher asks twice a second: look without locking first, so an empty queue costs no write
        // transaction and does not queue behind the other nodes' writes on the audit head.
        let partners = wanted.map(\.key)
        let anyDue = try await rows("look for due deliveries", """
            SELECT 1 FROM deliveries WHERE partner = ANY(\(partners)) AND due_ms IS NOT NULL AND due_ms <= \(nowMillis) LIMIT 1
            """)
        guard !anyDue.isEmpty else { return [] }
        let rows = try await write { connection, chain -> [LeasedRow] in
            var leased: [LeasedRow] = []
            for (partner, slots) in wanted {
                for urgent in [true, false] where leased.filter({ $0.delivery.partner == partner }).count < slots {
                    let room = slots - leased.filter { $0.delivery.partner == partner }.count
                    leased += try await Self.leaseDue(connection, chain: chain, partner: partner, urgent: urgent, limit: room,
                                                      owner: owner, nowMillis: nowMillis, expiry: expiry)
                }
            }
            return leased
        }
        let cipher = try await keys.cipher(opening: Set(rows.compactMap(\.keyId)), database: database)
        return rows.map { row in
            LeasedDelivery(delivery: row.delivery, token: LeaseToken(rawValue: Int64(row.delivery.attempts)), kind: row.kind,
                           digest: row.digest, content: cipher.leasedPayload(row.sealed, keyId: row.keyId, messageId: row.delivery.messageId), receivedAt: Date(millis: row.receivedMillis))
        }
    }

    /// Locks up to `limit` due rows of one partner and urgency, marks them `sending` under the new lease, audits each.
    private static func leaseDue(
        _ connection: PostgresConnection, chain: AuditChainWriter, partner: String, urgent: Bool, limit: Int, owner: String,
        nowMillis: Int64, expiry: Int64
    ) async throws -> [LeasedRow] {
        let candidates = try await connection.query("""
            SELECT \(unescaped: PostgresRows.deliveryColumns) FROM deliveries
            WHERE partner = \(partner) AND urgent = \(urgent) AND due_ms IS NOT NULL AND due_ms <= \(nowMillis)
            ORDER BY due_ms, id LIMIT \(limit) FOR UPDATE SKIP LOCKED
            """, logger: PostgresDatabase.quiet).collect().map(PostgresRows.delivery)
        var leased: [LeasedRow] = []
        for before in candidates {
            let message = try await connection.query("""
                UPDATE deliveries SET state = 'sending', attempts = attempts + 1, lease_owner = \(owner),
                    lease_expiry_ms = \(expiry), due_ms = \(expiry), updated_ms = \(nowMillis) WHERE id = \(before.id)
                RETURNING (SELECT kind FROM messages WHERE id = deliveries.message_id),
                          (SELECT digest FROM messages WHERE id = deliveries.message_id),
                          (SELECT key_id FROM messages WHERE id = deliveries.message_id),
                          (SELECT payload FROM messages WHERE id = deliveries.message_id),
                          (SELECT received_ms FROM messages WHERE id = deliveries.message_id)
                """, logger: PostgresDatabase.quiet).collect().first
            guard let message else { continue }
            let (kind, digest, keyId, sealed, received) = try message.decode((String, Data, String?, Data?, Int64).self)
            var detail = "delivery=\(before.id) from=\(before.state.rawValue) attempt=\(before.attempts + 1) lease-until=\(expiry)"
            if before.state == .sending {
                detail += " expired-owner=\(AuditText.quoted(before.leaseOwner ?? ""))"
            }
            try await chain.append(connection, event: .deliveryLeased, messageId: before.messageId, partner: before.partner,
                                   actor: .system, detail: detail + " owner=\(AuditText.quoted(owner))", timeMillis: nowMillis)
            var after = before
            after.state = .sending
            after.attempts += 1
            after.leaseOwner = owner
            after.leaseExpiresAt = Date(millis: expiry)
            after.updatedAt = Date(millis: nowMillis)
            leased.append(LeasedRow(delivery: after, kind: kind, digest: digest, keyId: keyId, sealed: sealed, receivedMillis: received))
        }
        return leased
    }
}
