import Foundation
import KetenpoortStore
import XCTest

/// RFC 9162 §2.1 Merkle trees: the reference vectors of Certificate Transparency (the same leaves and roots as in
/// docs/audit-format.md), proofs that verify for every size, and proofs that fail when anything is changed.
final class MerkleTreeTests: XCTestCase {
    /// The leaves of the reference vectors (hex).
    static let leaves = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"]
    /// The roots of the trees of 1…8 of those leaves.
    static let roots = [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ]

    private func tree(_ count: Int = 8) -> MerkleTree {
        var tree = MerkleTree()
        for leaf in Self.leaves.prefix(count) { tree.append(leafData: hex(leaf)) }
        return tree
    }

    func testRootsMatchTheReferenceVectorsAndTheFrontier() throws {
        let tree = tree()
        var frontier = MerkleFrontier()
        XCTAssertEqual(frontier.root.hexString, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        for size in 1...8 {
            XCTAssertEqual(try tree.root(size: size).hexString, Self.roots[size - 1], "size \(size)")
            frontier.append(leafHash: tree.leafHashes[size - 1])
            XCTAssertEqual(frontier.root.hexString, Self.roots[size - 1], "frontier at size \(size)")
        }
    }

    func testTheDocumentedInclusionAndConsistencyProofs() throws {
        let tree = tree()
        let inclusion = try tree.inclusionProof(index: 2, size: 7)
        XCTAssertEqual(inclusion.map(\.hexString), [
            "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
            "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
            "837dbb152e9b079010717e84e865da4ebc0fa198a806d59d31bf15accef22d0e",
        ])
        XCTAssertTrue(MerkleProof.verifyInclusion(leafHash: tree.leafHashes[2], index: 2, size: 7, proof: inclusion, root: hex(Self.roots[6])))
        let consistency = try tree.consistencyProof(oldSize: 3, newSize: 7)
        XCTAssertEqual(consistency.map(\.hexString), [
            "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
            "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
            "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
            "837dbb152e9b079010717e84e865da4ebc0fa198a806d59d31bf15accef22d0e",
        ])
        XCTAssertTrue(MerkleProof.verifyConsistency(oldSize: 3, oldRoot: hex(Self.roots[2]), newSize: 7, newRoot: hex(Self.roots[6]),
                                                    proof: consistency))
        XCTAssertEqual(try tree.consistencyProof(oldSize: 4, newSize: 8).map(\.hexString),
                       ["6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"])
    }

    func testEveryProofOfEveryTreeUpTo33LeavesVerifiesAndFailsWhenChanged() throws {
        var tree = MerkleTree()
        for index in 0..<33 { tree.append(leafData: Data("record \(index)".utf8)) }
        for size in 1...33 {
            let root = try tree.root(size: size)
            for index in 0..<size {
                let proof = try tree.inclusionProof(index: index, size: size)
                XCTAssertTrue(MerkleProof.verifyInclusion(leafHash: tree.leafHashes[index], index: index, size: size, proof: proof, root: root))
                XCTAssertFalse(MerkleProof.verifyInclusion(leafHash: tree.leafHashes[(index + 1) % 33], index: index, size: size,
                                                           proof: proof, root: root), "another leaf at \(index) of \(size)")
                XCTAssertFalse(MerkleProof.verifyInclusion(leafHash: tree.leafHashes[index], index: index, size: size,
                                                           proof: proof + [root], root: root), "a proof with an extra node")
            }
            for old in 1...size {
                let proof = try tree.consistencyProof(oldSize: old, newSize: size)
                let oldRoot = try tree.root(size: old)
                XCTAssertTrue(MerkleProof.verifyConsistency(oldSize: old, oldRoot: oldRoot, newSize: size, newRoot: root, proof: proof),
                              "\(old) → \(size)")
                if old < size {
                    var changed = try tree.root(size: old)
                    changed[0] ^= 1
                    XCTAssertFalse(MerkleProof.verifyConsistency(oldSize: old, oldRoot: changed, newSize: size, newRoot: root, proof: proof))
                    XCTAssertFalse(MerkleProof.verifyConsistency(oldSize: old, oldRoot: oldRoot, newSize: size, newRoot: oldRoot, proof: proof))
                    if !proof.isEmpty {
                        XCTAssertFalse(MerkleProof.verifyConsistency(oldSize: old, oldRoot: oldRoot, newSize: size, newRoot: root,
                                                                     proof: Array(proof.dropLast())))
                    }
                }
            }
        }
    }

    func testATruncatedAndRegrownTreeIsNotConsistentWithTheOldHead() throws {
        var original = MerkleTree()
        for index in 0..<10 { original.append(leafData: Data("record \(index)".utf8)) }
        var rewritten = MerkleTree(leafHashes: Array(original.leafHashes.prefix(6)))
        for index in 6..<12 { rewritten.append(leafData: Data("other \(index)".utf8)) }
        let proof = try rewritten.consistencyProof(oldSize: 10, newSize: 12)
        XCTAssertFalse(MerkleProof.verifyConsistency(oldSize: 10, oldRoot: try original.root(), newSize: 12,
                                                     newRoot: try rewritten.root(), proof: proof))
        XCTAssertThrowsError(try original.inclusionProof(index: 10, size: 10))
        XCTAssertThrowsError(try original.consistencyProof(oldSize: 0, newSize: 5))
    }

    private func hex(_ text: String) -> Data {
        var data = Data()
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(index, offsetBy: 2)
            data.append(UInt8(text[index..<next], radix: 16) ?? 0)
            index = next
        }
        return data
    }
}
