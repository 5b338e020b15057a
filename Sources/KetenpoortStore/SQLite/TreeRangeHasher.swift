import Foundation
import GRDB

/// The Merkle hash of any range of leaves of the audit tree, and RFC 9162 proofs built from such ranges, in O(log n)
/// memory: a range is hashed from the records as they stream by, unless it is one of the perfect subtrees of a stored
/// frontier (so a consistency proof from a signed head costs only the records after that head).
struct TreeRangeHasher {
    private let db: Database
    private var known: [Range<Int64>: Data] = [:]

    /// A hasher that knows the perfect subtrees of the stored frontier of a head of `size` leaves, if one is stored
    /// and gives that head's signed root.
    init(_ db: Database, knownSize size: Int64?) throws {
        self.db = db
        guard let size, let frontier = try TreeHeadQueries.storedFrontier(db, exactly: size) else { return }
        var start: Int64 = 0
        for (root, width) in zip(frontier.subtreeRoots, Self.perfectWidths(of: size)) {
            known[start..<(start + width)] = root
            start += width
        }
    }

    /// The widths of the perfect subtrees that make up a tree of `size` leaves, largest first.
    static func perfectWidths(of size: Int64) -> [Int64] {
        (0..<63).reversed().map { Int64(1) << $0 }.filter { size & $0 != 0 }
    }

    /// MTH of leaves `start..<end` (leaf i is record i + 1).
    func hash(_ start: Int64, _ end: Int64) throws -> Data {
        if let root = known[start..<end] { return root }
        var frontier = MerkleFrontier()
        let hashes = try Data.fetchCursor(
            db, sql: "SELECT hash FROM audit WHERE seq > ? AND seq <= ? ORDER BY seq", arguments: [start, end])
        while let hash = try hashes.next() {
            frontier.append(leafHash: MerkleHash.leaf(hash))
        }
        guard Int64(frontier.size) == end - start else {
            throw StoreError.invalidArgument("tree size \(end) is beyond the audit chain, or records \(start + 1)…\(end) are missing")
        }
        return frontier.root
    }

    /// PATH(index, D[start..<end]) of RFC 9162 §2.1.3.1.
    func inclusionPath(_ index: Int64, _ start: Int64, _ end: Int64) throws -> [Data] {
        let n = end - start
        guard n > 1 else { return [] }
        let k = Int64(MerkleHash.split(Int(n)))
        if index < k {
            return try inclusionPath(index, start, start + k) + [hash(start + k, end)]
        }
        return try inclusionPath(index - k, start + k, end) + [hash(start, start + k)]
    }

    /// SUBPROOF(m, D[start..<end], complete) of RFC 9162 §2.1.4.1.
    func consistencyPath(_ m: Int64, _ start: Int64, _ end: Int64, _ complete: Bool) throws -> [Data] {
        let n = end - start
        if m == n { return complete ? [] : [try hash(start, end)] }
        let k = Int64(MerkleHash.split(Int(n)))
        if m <= k {
            return try consistencyPath(m, start, start + k, complete) + [hash(start + k, end)]
        }
        return try consistencyPath(m - k, start + k, end, false) + [hash(start, start + k)]
    }
}
