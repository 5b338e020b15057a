import Foundation

/// A Merkle tree over leaf hashes (RFC 9162 §2.1): the root of any prefix, inclusion and consistency proofs.
///
/// It holds every leaf hash; computing a root or a proof for a tree of `n` leaves costs O(n) hashes, so it is meant
/// for proofs and verification, while `MerkleFrontier` keeps the running root cheaply as records are appended.
public struct MerkleTree: Sendable {
    /// The leaf hashes, in order (each already `MerkleHash.leaf` of its data).
    public private(set) var leafHashes: [Data]

    /// Creates a tree from leaf hashes.
    public init(leafHashes: [Data] = []) {
        self.leafHashes = leafHashes
    }

    /// Appends the leaf of `data`.
    public mutating func append(leafData data: Data) {
        leafHashes.append(MerkleHash.leaf(data))
    }

    /// The number of leaves.
    public var size: Int { leafHashes.count }

    /// The root of the first `size` leaves (MTH in RFC 9162).
    public func root(size: Int? = nil) throws -> Data {
        let size = size ?? leafHashes.count
        guard (0...leafHashes.count).contains(size) else { throw MerkleError.sizeOutOfRange(size: size, treeSize: leafHashes.count) }
        return hash(0, size)
    }

    /// The inclusion proof of leaf `index` in the tree of the first `size` leaves (PATH in RFC 9162).
    public func inclusionProof(index: Int, size: Int) throws -> [Data] {
        guard (1...max(1, leafHashes.count)).contains(size), size <= leafHashes.count else {
            throw MerkleError.sizeOutOfRange(size: size, treeSize: leafHashes.count)
        }
        guard (0..<size).contains(index) else { throw MerkleError.indexOutOfRange(index: index, size: size) }
        return path(index, 0, size)
    }

    /// The consistency proof between the trees of the first `oldSize` and `newSize` leaves (PROOF in RFC 9162).
    public func consistencyProof(oldSize: Int, newSize: Int) throws -> [Data] {
        guard newSize <= leafHashes.count else { throw MerkleError.sizeOutOfRange(size: newSize, treeSize: leafHashes.count) }
        guard oldSize >= 1, oldSize <= newSize else { throw MerkleError.sizeOutOfRange(size: oldSize, treeSize: newSize) }
        return subproof(oldSize, 0, newSize, true)
    }

    /// MTH(D[start..<end]).
    private func hash(_ start: Int, _ end: Int) -> Data {
        let n = end - start
        if n == 0 { return MerkleHash.empty }
        if n == 1 { return leafHashes[start] }
        let k = MerkleHash.split(n)
        return MerkleHash.node(hash(start, start + k), hash(start + k, end))
    }

    private func path(_ index: Int, _ start: Int, _ end: Int) -> [Data] {
        let n = end - start
        if n <= 1 { return [] }
        let k = MerkleHash.split(n)
        if index < k {
            return path(index, start, start + k) + [hash(start + k, end)]
        }
        return path(index - k, start + k, end) + [hash(start, start + k)]
    }

    private func subproof(_ m: Int, _ start: Int, _ end: Int, _ complete: Bool) -> [Data] {
        let n = end - start
        if m == n { return complete ? [] : [hash(start, end)] }
        let k = MerkleHash.split(n)
        if m <= k {
            return subproof(m, start, start + k, complete) + [hash(start + k, end)]
        }
        return subproof(m - k, start + k, end, false) + [hash(start, start + k)]
    }
}

/// Why a Merkle tree could not answer.
public enum MerkleError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A tree size beyond the leaves held (or zero where a leaf is needed).
    case sizeOutOfRange(size: Int, treeSize: Int)
    /// A leaf index not below the tree size.
    case indexOutOfRange(index: Int, size: Int)

    /// One line naming the numbers.
    public var description: String {
        switch self {
        case .sizeOutOfRange(let size, let treeSize): return "tree size \(size) is out of range (1…\(treeSize))"
        case .indexOutOfRange(let index, let size): return "leaf index \(index) is not in a tree of \(size) leaves"
        }
    }
}
