import Foundation

/// Verifies RFC 9162 inclusion and consistency proofs (§2.1.3.2 and §2.1.4.2) without the tree.
public enum MerkleProof {
    /// Whether `proof` shows that `leafHash` is leaf `index` of the tree of `size` leaves with `root`.
    public static func verifyInclusion(leafHash: Data, index: Int, size: Int, proof: [Data], root: Data) -> Bool {
        guard index >= 0, index < size else { return false }
        var fn = index
        var sn = size - 1
        var result = leafHash
        for node in proof {
            if sn == 0 { return false }
            if fn & 1 == 1 || fn == sn {
                result = MerkleHash.node(node, result)
                if fn & 1 == 0 {
                    repeat {
                        fn >>= 1
                        sn >>= 1
                    } while fn & 1 == 0 && fn != 0
                }
            } else {
                result = MerkleHash.node(result, node)
            }
            fn >>= 1
            sn >>= 1
        }
        return sn == 0 && result == root
    }

    /// Whether `proof` shows that the tree of `oldSize` leaves with `oldRoot` is a prefix of the tree of `newSize`
    /// leaves with `newRoot`.
    public static func verifyConsistency(oldSize: Int, oldRoot: Data, newSize: Int, newRoot: Data, proof: [Data]) -> Bool {
        guard oldSize >= 1, oldSize <= newSize else { return false }
        if oldSize == newSize { return proof.isEmpty && oldRoot == newRoot }
        var path = proof
        if oldSize & (oldSize - 1) == 0 { path.insert(oldRoot, at: 0) }
        guard let first = path.first else { return false }
        var fn = oldSize - 1
        var sn = newSize - 1
        while fn & 1 == 1 {
            fn >>= 1
            sn >>= 1
        }
        var oldResult = first
        var newResult = first
        for node in path.dropFirst() {
            if sn == 0 { return false }
            if fn & 1 == 1 || fn == sn {
                oldResult = MerkleHash.node(node, oldResult)
                newResult = MerkleHash.node(node, newResult)
                if fn & 1 == 0 {
                    repeat {
                        fn >>= 1
                        sn >>= 1
                    } while fn & 1 == 0 && fn != 0
                }
            } else {
                newResult = MerkleHash.node(newResult, node)
            }
            fn >>= 1
            sn >>= 1
        }
        return sn == 0 && oldResult == oldRoot && newResult == newRoot
    }
}
