import Foundation

/// The running root of an append-only Merkle tree in O(log n) memory and hashes per append: the roots of the
/// perfect subtrees that make up the tree so far (the tree's "frontier" or compact range).
public struct MerkleFrontier: Sendable, Hashable {
    /// The roots of the perfect subtrees, largest (leftmost) first.
    public private(set) var subtreeRoots: [Data] = []
    /// The number of leaves appended.
    public private(set) var size: Int = 0

    /// An empty tree.
    public init() {}

    /// Restores a frontier of `size` leaves from its subtree roots; nil if their number does not fit `size`.
    public init?(size: Int, subtreeRoots: [Data]) {
        guard size >= 0, size.nonzeroBitCount == subtreeRoots.count, subtreeRoots.allSatisfy({ $0.count == 32 }) else { return nil }
        self.size = size
        self.subtreeRoots = subtreeRoots
    }

    /// Appends a leaf hash (already `MerkleHash.leaf` of its data).
    public mutating func append(leafHash: Data) {
        subtreeRoots.append(leafHash)
        size += 1
        // Each trailing one bit of the old size is a perfect subtree that the new leaf completes.
        var merged = size
        while merged & 1 == 0, subtreeRoots.count >= 2 {
            let right = subtreeRoots.removeLast()
            let left = subtreeRoots.removeLast()
            subtreeRoots.append(MerkleHash.node(left, right))
            merged >>= 1
        }
    }

    /// The root of the tree so far (MTH of all leaves).
    public var root: Data {
        guard var result = subtreeRoots.last else { return MerkleHash.empty }
        for left in subtreeRoots.dropLast().reversed() {
            result = MerkleHash.node(left, result)
        }
        return result
    }
}
