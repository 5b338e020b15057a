import Foundation
import GRDB

extension SQLiteStore {
    /// The audit records of one message, in sequence order.
    public func auditTrail(messageId: String) async throws -> [AuditRecord] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM audit WHERE message_id = ? ORDER BY seq", arguments: [messageId])
                .map(RowDecoding.audit)
        }
    }

    /// Audit records after `afterSequence`, in sequence order, at most `limit`.
    public func auditRecords(afterSequence: Int64, limit: Int) async throws -> [AuditRecord] {
        try await read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM audit WHERE seq > ? ORDER BY seq LIMIT ?", arguments: [afterSequence, limit]
            ).map(RowDecoding.audit)
        }
    }

    /// Audit records at or after `since` and after `afterSequence`, in sequence order, at most `limit`.
    public func auditRecords(since: Date, afterSequence: Int64, limit: Int) async throws -> [AuditRecord] {
        let sinceMillis = since.millis
        return try await read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM audit WHERE seq > ? AND time_ms >= ? ORDER BY seq LIMIT ?",
                arguments: [afterSequence, sinceMillis, limit]
            ).map(RowDecoding.audit)
        }
    }

    /// The sequence number of the last audit record (0 if none).
    public func auditHeadSequence() async throws -> Int64 {
        try await read { db in try Int64.fetchOne(db, sql: "SELECT MAX(seq) FROM audit") ?? 0 }
    }

    /// Every checkpoint, in order.
    public func checkpoints() async throws -> [AuditCheckpoint] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM audit_checkpoints ORDER BY id").map(RowDecoding.checkpoint)
        }
    }

    /// Signs a tree head (`KPCHECK2`) over every record and stores it as a checkpoint; nil if the chain is empty or already
    /// checkpointed at its head. Only the records after the previous head are hashed (its frontier is stored with it).
    ///
    /// The hashing and signing happen on a read snapshot, outside the write transaction, so appending records never
    /// waits for them; records appended meanwhile simply follow the signed head.
    public func checkpoint(signer: any CheckpointSigner, now: Date) async throws -> AuditCheckpoint? {
        let prepared = try await read { db -> (sequence: Int64, hash: Data, frontier: MerkleFrontier)? in
            guard let head = try Row.fetchOne(db, sql: "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1") else {
                return nil
            }
            let sequence = try head.decode(Int64.self, forColumn: "seq")
            let latest = try Int64.fetchOne(db, sql: "SELECT MAX(seq) FROM audit_checkpoints") ?? 0
            guard latest < sequence else { return nil }
            return (sequence, try head.decode(Data.self, forColumn: "hash"), try TreeHeadQueries.frontier(db, size: sequence))
        }
        guard let (sequence, hash, frontier) = prepared else { return nil }
        let treeHead = try SignedTreeHead.sign(treeSize: sequence, rootHash: frontier.root, timeMillis: now.millis, signer: signer)
        return try await write { db -> AuditCheckpoint? in
            // Another checkpointer (e.g. `audit checkpoint`) may have signed this head or a later one meanwhile.
            let latest = try Int64.fetchOne(db, sql: "SELECT MAX(seq) FROM audit_checkpoints") ?? 0
            guard latest < sequence else { return nil }
            try db.execute(
                sql: """
                    INSERT INTO audit_checkpoints (seq, head_hash, time_ms, algorithm, key_fingerprint, signature,
                                                   format, tree_size, root_hash, frontier)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [sequence, hash, treeHead.timeMillis, treeHead.algorithm, treeHead.keyFingerprint, treeHead.signature,
                            TreeHeadColumns.treeHeadFormat, sequence, treeHead.rootHash,
                            TreeHeadColumns.joinFrontier(frontier.subtreeRoots)])
            return AuditCheckpoint(
                id: db.lastInsertedRowID, sequence: sequence, headHash: hash, timeMillis: treeHead.timeMillis,
                algorithm: treeHead.algorithm, keyFingerprint: treeHead.keyFingerprint, signature: treeHead.signature,
                treeHead: treeHead, frontier: frontier.subtreeRoots)
        }
    }
}

extension MessageStore {
    /// Verifies every audit record and checkpoint, reading `pageSize` records at a time.
    ///
    /// `progress` is called after each page with the number of records checked so far.
    public func verifyAuditChain(
        verifier: (any CheckpointVerifier)?, pageSize: Int = 10_000, progress: @Sendable (Int64) -> Void = { _ in }
    ) async throws -> AuditVerificationReport {
        var chain = AuditChainVerifier(checkpoints: try await checkpoints(), verifier: verifier)
        var after: Int64 = 0
        while true {
            let page = try await auditRecords(afterSequence: after, limit: pageSize)
            guard let last = page.last else { break }
            for record in page where !chain.feed(record) {
                return chain.finish()
            }
            after = last.sequence
            progress(chain.recordsChecked)
        }
        return chain.finish()
    }
}
