import Crypto
import Foundation

/// RFC 9162 §2.1 hashing: leaves and interior nodes are hashed with different one-byte prefixes.
public enum MerkleHash {
    /// The root of an empty tree: SHA-256 of nothing.
    public static let empty = Data(SHA256.hash(data: Data()))

    /// A leaf's hash: SHA-256(0x00 ‖ data).
    public static func leaf(_ data: Data) -> Data {
        var hasher = SHA256()
        hasher.update(data: [0x00])
        hasher.update(data: data)
        return Data(hasher.finalize())
    }

    /// An interior node's hash: SHA-256(0x01 ‖ left ‖ right).
    public static func node(_ left: Data, _ right: Data) -> Data {
        var hasher = SHA256()
        hasher.update(data: [0x01])
        hasher.update(data: left)
        hasher.update(data: right)
        return Data(hasher.finalize())
    }

    /// The largest power of two smaller than `n` (n ≥ 2), where RFC 9162 splits a tree of `n` leaves.
    package static func split(_ n: Int) -> Int {
        var k = 1
        while k << 1 < n { k <<= 1 }
        return k
    }
}
