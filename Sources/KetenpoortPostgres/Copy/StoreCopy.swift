import Crypto
import Foundation
import KetenpoortStore
import PostgresNIO

/// What `ketenpoort store copy` moved.
public struct StoreCopyReport: Sendable, Equatable {
    /// Messages copied (payloads stay sealed under the same data keys).
    public var messages = 0
    /// Deliveries copied, with their ids, states, attempts and leases.
    public var deliveries = 0
    /// Audit records copied, byte for byte (so the chain's hashes and the Merkle tree are the same).
    public var auditRecords = 0
    /// Checkpoints (signed tree heads) copied.
    public var checkpoints = 0
    /// Witness cosignatures copied.
    public var cosignatures = 0
    /// Payload data keys copied, now wrapped by the key-encryption key.
    public var payloadKeys = 0
}

extension PostgresStore {
    /// Copies a single-node SQLite store into this (empty) PostgreSQL store in one transaction: messages with their sealed
    /// payloads, deliveries, the audit chain and its head, checkpoints, cosignatures, and the payload data keys wrapped
    /// by `kek`. Refuses a target that holds any message, audit record or payload key. `progress` gets running counts.
    public func copy(from source: SQLiteStore, kek: KeyEncryptionKey, pageSize: Int = 2_000,
                     progress: @escaping @Sendable (StoreCopyReport) -> Void = { _ in }) async throws -> StoreCopyReport {
        guard access == .migrate else { throw StoreError.invalidArgument("the target store must be opened to migrate (writable)") }
        guard let keyring = source.payloadKeyring else {
            throw StoreError.keyError("the source store was opened without its payload keys")
        }
        let keys = try keyring.keyIds.map { id -> (String, Data, Bool) in
            guard let key = keyring.key(id: id) else { throw StoreError.keyError("payload key \(id) is not loaded") }
            return (id, try kek.wrap(key.withUnsafeBytes { Data($0) }, keyId: id), id == keyring.activeKeyId)
        }
        return try await database.withConnection("copy the store", bounded: false) { connection in
            try await connection.query("BEGIN", logger: PostgresDatabase.quiet)
            do {
                _ = try await AuditChainWriter.lockHead(connection)
                try await Self.requireEmpty(connection)
                var report = StoreCopyReport()
                for (id, wrapped, active) in keys {
                    try await connection.query("""
                        INSERT INTO payload_keys (id, wrapped, kek_id, active, created_ms) VALUES (\(id), \(wrapped), \(kek.id), \(active), \(Date().millis))
                        """, logger: PostgresDatabase.quiet)
                    report.payloadKeys += 1
                }
                try await Self.copyMessages(source, connection, pageSize: pageSize, report: &report, progress: progress)
                try await Self.copyDeliveries(source, connection, pageSize: pageSize, report: &report, progress: progress)
                try await Self.copyAudit(source, connection, pageSize: pageSize, report: &report, progress: progress)
                for checkpoint in try await source.checkpoints() {
                    try await Self.insert(checkpoint, connection)
                    report.checkpoints += 1
                }
                for stored in try await source.exportCosignatures() {
                    try await connection.query(try Self.insertQuery(stored), logger: PostgresDatabase.quiet)
                    report.cosignatures += 1
                }
                try await connection.query("""
                    SELECT setval(pg_get_serial_sequence('deliveries', 'id'), greatest((SELECT max(id) FROM deliveries), 1));
                    """, logger: PostgresDatabase.quiet)
                try await connection.query("""
                    SELECT setval(pg_get_serial_sequence('audit_checkpoints', 'id'), greatest((SELECT max(id) FROM audit_checkpoints), 1));
                    """, logger: PostgresDatabase.quiet)
                try await connection.query("COMMIT", logger: PostgresDatabase.quiet)
                progress(report)
                return report
            } catch {
                _ = try? await connection.query("ROLLBACK", logger: PostgresDatabase.quiet)
                throw error
            }
        }
    }

    private static func requireEmpty(_ connection: PostgresConnection) async throws {
        let row = try await connection.query("""
            SELECT (SELECT count(*) FROM messages), (SELECT count(*) FROM audit), (SELECT count(*) FROM payload_keys)
            """, logger: PostgresDatabase.quiet).collect().first
        guard let row else { return }
        let counts = try row.decode((Int64, Int64, Int64).self)
        guard counts == (0, 0, 0) else {
            throw StoreError.invalidArgument("the target store is not empty (\(counts.0) messages, \(counts.1) audit records, "
                + "\(counts.2) payload keys); copy only into a new database")
        }
    }

    private static func copyMessages(_ source: SQLiteStore, _ connection: PostgresConnection, pageSize: Int, report: inout StoreCopyReport,
                                     progress: @Sendable (StoreCopyReport) -> Void) async throws {
        var after: String?
        while true {
            let page = try await source.exportMessages(after: after, limit: pageSize)
            guard let last = page.last else { return }
            for exported in page {
                let message = exported.message
                let recipients = message.recipients.joined(separator: "\n")
                try await connection.query("""
                    INSERT INTO messages (id, kind, sender_oin, recipients, digest, received_ms, signed_ms, urgent, key_id, payload,
                                          retention_ms, purged_ms)
                    VALUES (\(message.id), \(message.kind), \(message.senderOIN), \(recipients), \(message.digest),
                            \(message.receivedAt.millis), \(message.signedAt.millis), \(message.urgent), \(message.keyId),
                            \(exported.sealedPayload), \(message.retentionDeadline.millis), \(message.purgedAt?.millis))
                    """, logger: PostgresDatabase.quiet)
            }
            report.messages += page.count
            progress(report)
            after = last.message.id
        }
    }

    private static func copyDeliveries(_ source: SQLiteStore, _ connection: PostgresConnection, pageSize: Int,
                                       report: inout StoreCopyReport, progress: @Sendable (StoreCopyReport) -> Void) async throws {
        var after: DeliveryID = 0
        while true {
            let page = try await source.exportDeliveries(after: after, limit: pageSize)
            guard let last = page.last else { return }
            for exported in page {
                let d = exported.record
                try await connection.query("""
                    INSERT INTO deliveries (id, message_id, partner, state, urgent, attempts, due_ms, next_attempt_ms, lease_owner,
                                            lease_expiry_ms, last_error_class, last_error_text, receipt, updated_ms)
                    VALUES (\(d.id), \(d.messageId), \(d.partner), \(d.state.rawValue), \(d.urgent), \(Int32(d.attempts)),
                            \(exported.dueMillis), \(d.nextAttemptAt?.millis), \(d.leaseOwner), \(d.leaseExpiresAt?.millis),
                            \(d.lastErrorClass?.rawValue), \(d.lastErrorText), \(d.receipt), \(d.updatedAt.millis))
                    """, logger: PostgresDatabase.quiet)
            }
            report.deliveries += page.count
            progress(report)
            after = last.record.id
        }
    }

    private static func copyAudit(_ source: SQLiteStore, _ connection: PostgresConnection, pageSize: Int, report: inout StoreCopyReport,
                                  progress: @Sendable (StoreCopyReport) -> Void) async throws {
        var after: Int64 = 0
        var head: (Int64, Data)?
        while true {
            let page = try await source.auditRecords(afterSequence: after, limit: pageSize)
            guard let last = page.last else { break }
            for r in page {
                try await connection.query("""
                    INSERT INTO audit (seq, time_ms, event, message_id, partner, actor, detail, prev_hash, hash)
                    VALUES (\(r.sequence), \(r.timeMillis), \(r.event), \(r.messageId), \(r.partner), \(r.actor), \(r.detail),
                            \(r.previousHash), \(r.hash))
                    """, logger: PostgresDatabase.quiet)
            }
            report.auditRecords += page.count
            progress(report)
            after = last.sequence
            head = (last.sequence, last.hash)
        }
        if let (sequence, hash) = head {
            try await connection.query("UPDATE audit_head SET seq = \(sequence), hash = \(hash) WHERE id = 1", logger: PostgresDatabase.quiet)
        }
    }

    private static func insert(_ c: AuditCheckpoint, _ connection: PostgresConnection) async throws {
        let format = c.treeHead == nil ? "KPCHECK1" : TreeHeadColumns.treeHeadFormat
        let frontier = c.frontier.map(TreeHeadColumns.joinFrontier)
        try await connection.query("""
            INSERT INTO audit_checkpoints (id, seq, head_hash, time_ms, algorithm, key_fingerprint, signature, format, tree_size,
                                           root_hash, frontier)
            VALUES (\(c.id), \(c.sequence), \(c.headHash), \(c.timeMillis), \(c.algorithm), \(c.keyFingerprint), \(c.signature),
                    \(format), \(c.treeHead?.treeSize), \(c.treeHead?.rootHash), \(frontier))
            """, logger: PostgresDatabase.quiet)
    }
}
