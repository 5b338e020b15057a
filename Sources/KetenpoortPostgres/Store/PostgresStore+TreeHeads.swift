import Foundation
import KetenpoortStore
import PostgresNIO

extension PostgresStore {
    /// Every checkpoint, in order.
    public func checkpoints() async throws -> [AuditCheckpoint] {
        try await rows("read checkpoints", "SELECT \(unescaped: PostgresRows.checkpointColumns) FROM audit_checkpoints ORDER BY id")
            .map(PostgresRows.checkpoint)
    }

    /// The newest signed tree head, or nil if none was made yet.
    public func latestTreeHead() async throws -> SignedTreeHead? {
        try await rows("read the latest tree head", """
            SELECT \(unescaped: PostgresRows.checkpointColumns) FROM audit_checkpoints WHERE format = \(TreeHeadColumns.treeHeadFormat)
            ORDER BY id DESC LIMIT 1
            """).first.flatMap { try PostgresRows.checkpoint($0).treeHead }
    }

    /// Every signed tree head, oldest first.
    public func treeHeads() async throws -> [SignedTreeHead] {
        try await rows("read tree heads", """
            SELECT \(unescaped: PostgresRows.checkpointColumns) FROM audit_checkpoints WHERE format = \(TreeHeadColumns.treeHeadFormat)
            ORDER BY id
            """).compactMap { try PostgresRows.checkpoint($0).treeHead }
    }

    /// Signs the current tree head (`KPCHECK2`) and stores it; nil if the chain is empty or its head is already signed.
    ///
    /// Whichever node calls it signs; the hashing runs outside the write transaction, from the newest stored frontier.
    public func checkpoint(signer: any CheckpointSigner, now: Date) async throws -> AuditCheckpoint? {
        let head = try await rows("read the audit head", "SELECT seq, hash FROM audit_head WHERE id = 1").first
        guard let head else { return nil }
        let (sequence, hash) = try head.decode((Int64, Data).self)
        guard sequence > 0 else { return nil }
        let latest = try await rows("read the latest checkpoint", "SELECT coalesce(max(seq), 0) FROM audit_checkpoints")
            .first?.decode(Int64.self) ?? 0
        guard latest < sequence else { return nil }
        let frontier = try await frontier(size: sequence)
        let treeHead = try SignedTreeHead.sign(treeSize: sequence, rootHash: frontier.root, timeMillis: now.millis, signer: signer)
        let joined = TreeHeadColumns.joinFrontier(frontier.subtreeRoots)
        return try await write { connection, _ -> AuditCheckpoint? in
            // Another node may have signed this head or a later one meanwhile.
            let latest = try await connection.query("SELECT coalesce(max(seq), 0) FROM audit_checkpoints", logger: PostgresDatabase.quiet)
                .collect().first?.decode(Int64.self) ?? 0
            guard latest < sequence else { return nil }
            let id = try await connection.query("""
                INSERT INTO audit_checkpoints (seq, head_hash, time_ms, algorithm, key_fingerprint, signature, format, tree_size,
                                               root_hash, frontier)
                VALUES (\(sequence), \(hash), \(treeHead.timeMillis), \(treeHead.algorithm), \(treeHead.keyFingerprint),
                        \(treeHead.signature), \(TreeHeadColumns.treeHeadFormat), \(sequence), \(treeHead.rootHash), \(joined))
                RETURNING id
                """, logger: PostgresDatabase.quiet).collect().first?.decode(Int64.self) ?? 0
            return AuditCheckpoint(id: id, sequence: sequence, headHash: hash, timeMillis: treeHead.timeMillis,
                                   algorithm: treeHead.algorithm, keyFingerprint: treeHead.keyFingerprint, signature: treeHead.signature,
                                   treeHead: treeHead, frontier: frontier.subtreeRoots)
        }
    }

    /// The Merkle root of the first `treeSize` records, recomputed from the records.
    public func rootHash(treeSize: Int64) async throws -> Data {
        guard treeSize >= 0 else { throw StoreError.invalidArgument("tree size \(treeSize) is negative") }
        var frontier = MerkleFrontier()
        try await forEachRecordHash(after: 0, through: treeSize) { frontier.append(leafHash: MerkleHash.leaf($0)) }
        guard Int64(frontier.size) == treeSize else {
            throw StoreError.invalidArgument("tree size \(treeSize) is beyond the audit chain (\(frontier.size) records)")
        }
        return frontier.root
    }

    /// The RFC 9162 consistency proof from the tree of `oldSize` records to the tree of `newSize` records.
    public func consistencyProof(oldSize: Int64, newSize: Int64) async throws -> [Data] {
        guard oldSize >= 1, oldSize <= newSize else {
            throw StoreError.invalidArgument("a consistency proof needs 1 ≤ old size ≤ new size (got \(oldSize), \(newSize))")
        }
        let head = try await auditHeadSequence()
        guard newSize <= head else {
            throw StoreError.invalidArgument("tree size \(newSize) is beyond the audit chain (\(head) records)")
        }
        let known = try await storedFrontier(exactly: oldSize)
        let hasher = try await hasher(known: known, through: newSize)
        return try hasher.consistencyPath(oldSize, 0, newSize, true)
    }

    /// The RFC 9162 inclusion proof of record `sequence` (leaf `sequence - 1`) in the tree of `treeSize` records.
    public func inclusionProof(sequence: Int64, treeSize: Int64) async throws -> [Data] {
        guard sequence >= 1, sequence <= treeSize else {
            throw StoreError.invalidArgument("record \(sequence) is not in a tree of \(treeSize) records")
        }
        let hasher = try await hasher(known: nil, through: treeSize)
        _ = try hasher.hash(treeSize - 1, treeSize)
        return try hasher.inclusionPath(sequence - 1, 0, treeSize)
    }

    /// The names of the triggers that keep the audit records and checkpoints append-only and are missing.
    public func missingAppendOnlyGuards() async throws -> [String] {
        let present = Set(try await rows("read triggers", "SELECT tgname::text FROM pg_trigger WHERE NOT tgisinternal")
            .map { try $0.decode(String.self) })
        return AppendOnlyGuards.names.filter { !present.contains($0) }
    }

    /// The frontier of the first `size` records: the newest stored frontier at or below `size` (if its root is the root
    /// its head signed) extended with the records after it.
    private func frontier(size: Int64) async throws -> MerkleFrontier {
        var frontier = try await storedFrontier(atMost: size) ?? MerkleFrontier()
        try await forEachRecordHash(after: Int64(frontier.size), through: size) { frontier.append(leafHash: MerkleHash.leaf($0)) }
        guard Int64(frontier.size) == size else {
            throw StoreError.database("the audit chain has \(frontier.size) of the records 1…\(size) (records were deleted)")
        }
        return frontier
    }

    private func storedFrontier(atMost size: Int64) async throws -> MerkleFrontier? {
        try await storedFrontier(condition: "tree_size <= $2", size: size)
    }

    private func storedFrontier(exactly size: Int64) async throws -> MerkleFrontier? {
        try await storedFrontier(condition: "tree_size = $2", size: size)
    }

    private func storedFrontier(condition: String, size: Int64) async throws -> MerkleFrontier? {
        var bindings = PostgresBindings()
        bindings.append(TreeHeadColumns.treeHeadFormat)
        bindings.append(size)
        let query = PostgresQuery(unsafeSQL: """
            SELECT tree_size, root_hash, frontier FROM audit_checkpoints
            WHERE format = $1 AND frontier IS NOT NULL AND \(condition) ORDER BY id DESC LIMIT 1
            """, binds: bindings)
        guard let row = try await rows("read a stored frontier", query).first else { return nil }
        let (treeSize, root, blob) = try row.decode((Int64, Data, Data).self)
        guard let frontier = MerkleFrontier(size: Int(treeSize), subtreeRoots: TreeHeadColumns.splitFrontier(blob)),
              frontier.root == root else { return nil }
        return frontier
    }

    /// A range hasher over the leaf hashes of records 1…`size`, read into memory once (32 bytes per record after the
    /// known frontier).
    private func hasher(known: MerkleFrontier?, through size: Int64) async throws -> TreeRangeHasher {
        let first = Int64(known?.size ?? 0)
        var leaves: [Data] = []
        try await forEachRecordHash(after: first, through: size) { leaves.append(MerkleHash.leaf($0)) }
        let captured = leaves
        return TreeRangeHasher(knownFrontier: known) { start, end in
            var frontier = MerkleFrontier()
            if start >= first, end <= first + Int64(captured.count) {
                for leaf in captured[Int(start - first)..<Int(end - first)] { frontier.append(leafHash: leaf) }
            }
            return try TreeRangeHasher.root(of: frontier, start, end)
        }
    }

    /// Streams the record hashes with `after < seq ≤ through` in order, a page at a time.
    private func forEachRecordHash(after: Int64, through: Int64, _ body: (Data) -> Void) async throws {
        var cursor = after
        while cursor < through {
            let page = try await rows("read audit hashes", """
                SELECT seq, hash FROM audit WHERE seq > \(cursor) AND seq <= \(through) ORDER BY seq LIMIT 10000
                """)
            guard !page.isEmpty else { return }
            for row in page {
                let (sequence, hash) = try row.decode((Int64, Data).self)
                body(hash)
                cursor = sequence
            }
        }
    }
}
