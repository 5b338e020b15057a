import Foundation
import GRDB

/// The Merkle hash of any range of leaves of the audit tree, and RFC 9162 proofs built from such ranges, in O(log n)
/// memory: a range is hashed from the records as they stream by, unless it is one of the perfect subtrees of a stored
/// frontier (so a consistency proof from a signed head costs only the records after that head).
package struct TreeRangeHasher {
    private let hashRecords: (Int64, Int64) throws -> Data
    private var known: [Range<Int64>: Data] = [:]

    /// A hasher that knows the perfect subtrees of `frontier` (a stored head's, whose root was checked) and hashes any
    /// other range with `hashRecords(start, end)`: the Merkle root of leaves `start..<end` read from the records.
    package init(knownFrontier frontier: MerkleFrontier?, hashRecords: @escaping (Int64, Int64) throws -> Data) {
        self.hashRecords = hashRecords
        guard let frontier else { return }
        var start: Int64 = 0
        for (root, width) in zip(frontier.subtreeRoots, Self.perfectWidths(of: Int64(frontier.size))) {
            known[start..<(start + width)] = root
            start += width
        }
    }

    /// A hasher over the SQLite audit table that knows the stored frontier of a head of `size` leaves, if one is
    /// stored and gives that head's signed root.
    init(_ db: Database, knownSize size: Int64?) throws {
        let frontier = try size.flatMap { try TreeHeadQueries.storedFrontier(db, exactly: $0) }
        self.init(knownFrontier: frontier) { start, end in
            var frontier = MerkleFrontier()
            let hashes = try Data.fetchCursor(
                db, sql: "SELECT hash FROM audit WHERE seq > ? AND seq <= ? ORDER BY seq", arguments: [start, end])
            while let hash = try hashes.next() {
                frontier.append(leafHash: MerkleHash.leaf(hash))
            }
            return try Self.root(of: frontier, start, end)
        }
    }

    /// The root of `frontier`, which must hold exactly the leaves `start..<end`.
    package static func root(of frontier: MerkleFrontier, _ start: Int64, _ end: Int64) throws -> Data {
        guard Int64(frontier.size) == end - start else {
            throw StoreError.invalidArgument("tree size \(end) is beyond the audit chain, or records \(start + 1)…\(end) are missing")
        }
        return frontier.root
    }

    /// The widths of the perfect subtrees that make up a tree of `size` leaves, largest first.
    package static func perfectWidths(of size: Int64) -> [Int64] {
        (0..<63).reversed().map { Int64(1) << $0 }.filter { size & $0 != 0 }
    }

    /// MTH of leaves `start..<end` (leaf i is record i + 1).
    package func hash(_ start: Int64, _ end: Int64) throws -> Data {
        if let root = known[start..<end] { return root }
        return try hashRecords(start, end)
    }

    /// PATH(index, D[start..<end]) of RFC 9162 §2.1.3.1.
    package func inclusionPath(_ index: Int64, _ start: Int64, _ end: Int64) throws -> [Data] {
        let n = end - start
        guard n > 1 else { return [] }
        let k = Int64(MerkleHash.split(Int(n)))
        if index < k {
            return try inclusionPath(index, start, start + k) + [hash(start + k, end)]
        }
        return try inclusionPath(index - k, start + k, end) + [hash(start, start + k)]
    }

    /// SUBPROOF(m, D[start..<end], complete) of RFC 9162 §2.1.4.1.
    package func consistencyPath(_ m: Int64, _ start: Int64, _ end: Int64, _ complete: Bool) throws -> [Data] {
        let n = end - start
        if m == n { return complete ? [] : [try hash(start, end)] }
        let k = Int64(MerkleHash.split(Int(n)))
        if m <= k {
            return try consistencyPath(m, start, start + k, complete) + [hash(start + k, end)]
        }
        return try consistencyPath(m - k, start + k, end, false) + [hash(start, start + k)]
    }
}
