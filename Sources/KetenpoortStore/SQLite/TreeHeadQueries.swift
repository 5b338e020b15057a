import Foundation
import GRDB

/// Reads the audit tree from the SQLite store inside a transaction: frontiers, leaf hashes, whole trees.
enum TreeHeadQueries {
    /// The frontier of the first `size` records: the latest stored frontier at or below `size` (if its root matches
    /// its signed root) extended with the records after it, else built from record 1.
    static func frontier(_ db: Database, size: Int64) throws -> MerkleFrontier {
        var frontier = try storedFrontier(db, atMost: size) ?? MerkleFrontier()
        let hashes = try Data.fetchCursor(
            db, sql: "SELECT hash FROM audit WHERE seq > ? AND seq <= ? ORDER BY seq", arguments: [frontier.size, size])
        while let hash = try hashes.next() {
            frontier.append(leafHash: MerkleHash.leaf(hash))
        }
        guard Int64(frontier.size) == size else {
            throw StoreError.database("the audit chain has \(frontier.size) of the records 1…\(size) (records were deleted)")
        }
        return frontier
    }

    /// The newest stored frontier of a tree of at most `size` leaves whose root is the root its head signed.
    private static func storedFrontier(_ db: Database, atMost size: Int64) throws -> MerkleFrontier? {
        let row = try Row.fetchOne(db, sql: """
            SELECT tree_size, root_hash, frontier FROM audit_checkpoints
            WHERE format = ? AND frontier IS NOT NULL AND tree_size <= ? ORDER BY id DESC LIMIT 1
            """, arguments: [TreeHeadColumns.treeHeadFormat, size])
        guard let row, let treeSize: Int64 = row["tree_size"], let root: Data = row["root_hash"], let blob: Data = row["frontier"],
              let frontier = MerkleFrontier(size: Int(treeSize), subtreeRoots: TreeHeadColumns.splitFrontier(blob)),
              frontier.root == root
        else { return nil }
        return frontier
    }

    /// The stored frontier of a head of exactly `size` leaves, if its root is the root that head signed.
    static func storedFrontier(_ db: Database, exactly size: Int64) throws -> MerkleFrontier? {
        let row = try Row.fetchOne(db, sql: """
            SELECT root_hash, frontier FROM audit_checkpoints
            WHERE format = ? AND frontier IS NOT NULL AND tree_size = ? ORDER BY id DESC LIMIT 1
            """, arguments: [TreeHeadColumns.treeHeadFormat, size])
        guard let row, let root: Data = row["root_hash"], let blob: Data = row["frontier"],
              let frontier = MerkleFrontier(size: Int(size), subtreeRoots: TreeHeadColumns.splitFrontier(blob)),
              frontier.root == root
        else { return nil }
        return frontier
    }
}
