import Foundation
import GRDB

extension SQLiteStore {
    /// The newest signed tree head (`KPCHECK2` checkpoint), or nil if none was made yet.
    public func latestTreeHead() async throws -> SignedTreeHead? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM audit_checkpoints WHERE format = ? ORDER BY id DESC LIMIT 1",
                             arguments: [TreeHeadColumns.treeHeadFormat])
                .flatMap { try RowDecoding.checkpoint($0).treeHead }
        }
    }

    /// Every signed tree head, oldest first.
    public func treeHeads() async throws -> [SignedTreeHead] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM audit_checkpoints WHERE format = ? ORDER BY id",
                             arguments: [TreeHeadColumns.treeHeadFormat])
                .compactMap { try RowDecoding.checkpoint($0).treeHead }
        }
    }

    /// The Merkle root of the first `treeSize` records, recomputed from the records.
    public func rootHash(treeSize: Int64) async throws -> Data {
        try await read { db in
            guard treeSize >= 0 else { throw StoreError.invalidArgument("tree size \(treeSize) is negative") }
            var frontier = MerkleFrontier()
            let hashes = try Data.fetchCursor(db, sql: "SELECT hash FROM audit WHERE seq <= ? ORDER BY seq", arguments: [treeSize])
            while let hash = try hashes.next() {
                frontier.append(leafHash: MerkleHash.leaf(hash))
            }
            guard Int64(frontier.size) == treeSize else {
                throw StoreError.invalidArgument("tree size \(treeSize) is beyond the audit chain (\(frontier.size) records)")
            }
            return frontier.root
        }
    }

    /// The RFC 9162 consistency proof from the tree of `oldSize` records to the tree of `newSize` records.
    public func consistencyProof(oldSize: Int64, newSize: Int64) async throws -> [Data] {
        try await read { db in
            guard oldSize >= 1, oldSize <= newSize else {
                throw StoreError.invalidArgument("a consistency proof needs 1 ≤ old size ≤ new size (got \(oldSize), \(newSize))")
            }
            // From a signed head of the old size, only the records after it are read.
            let hasher = try TreeRangeHasher(db, knownSize: oldSize)
            _ = try hasher.hash(newSize - 1, newSize)    // the new size must exist
            return try hasher.consistencyPath(oldSize, 0, newSize, true)
        }
    }

    /// The RFC 9162 inclusion proof of record `sequence` (leaf `sequence - 1`) in the tree of `treeSize` records.
    public func inclusionProof(sequence: Int64, treeSize: Int64) async throws -> [Data] {
        try await read { db in
            guard sequence >= 1, sequence <= treeSize else {
                throw StoreError.invalidArgument("record \(sequence) is not in a tree of \(treeSize) records")
            }
            let hasher = try TreeRangeHasher(db, knownSize: nil)
            _ = try hasher.hash(treeSize - 1, treeSize)    // the tree size must exist
            return try hasher.inclusionPath(sequence - 1, 0, treeSize)
        }
    }

    /// The names of the triggers that keep the audit records and checkpoints append-only and are missing.
    public func missingAppendOnlyGuards() async throws -> [String] {
        try await read { db in
            let present = Set(try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'trigger'"))
            return AppendOnlyGuards.names.filter { !present.contains($0) }
        }
    }
}

extension SQLiteStore {
    /// Messages (metadata, no payload) with an id greater than `after`, in id order, at most `limit`.
    public func storedMessages(after: String?, limit: Int) async throws -> [StoredMessage] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT \(RowDecoding.messageColumns) FROM messages WHERE id > ? ORDER BY id LIMIT ?",
                             arguments: [after ?? "", limit]).map(RowDecoding.message)
        }
    }
}

/// The triggers that refuse UPDATE and DELETE on the audit records and checkpoints.
package enum AppendOnlyGuards {
    /// Their names, as the schema creates them.
    package static let names = ["audit_no_update", "audit_no_delete", "checkpoints_no_update", "checkpoints_no_delete"]
}
