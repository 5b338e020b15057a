import Crypto
import Foundation
import KetenpoortStore
import XCTest

/// docs/audit-format.md stays equal to the code: its Merkle test vectors are `MerkleTreeTests`' and the tree's proofs,
/// and its Python verifier passes those vectors and builds the same signed bytes as `SignedTreeHead`.
final class AuditDocumentationTests: XCTestCase {
    private var documentPath: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("docs/audit-format.md").path
    }

    private func document() throws -> String {
        try String(contentsOfFile: documentPath, encoding: .utf8)
    }

    private func referenceTree() -> MerkleTree {
        var tree = MerkleTree()
        for leaf in MerkleTreeTests.leaves { tree.append(leafData: Data(hexString: leaf) ?? Data()) }
        return tree
    }

    func testTheDocumentedVectorsAreTheTreesRootsAndProofs() throws {
        let text = try document()
        let tree = referenceTree()
        for size in [1, 2, 3, 7, 8] {
            XCTAssertEqual(try tree.root(size: size).hexString, MerkleTreeTests.roots[size - 1])
            XCTAssertTrue(text.contains("| \(size) | `\(MerkleTreeTests.roots[size - 1])` |"), "root of \(size) leaves")
        }
        let inclusion = try tree.inclusionProof(index: 2, size: 7).map(\.hexString).joined(separator: "\n")
        XCTAssertTrue(text.contains("```\n" + inclusion + "\n```"), "the inclusion proof of leaf 2 in 7")
        let consistency = try tree.consistencyProof(oldSize: 3, newSize: 7).map(\.hexString).joined(separator: "\n")
        XCTAssertTrue(text.contains("```\n" + consistency + "\n```"), "the consistency proof 3 → 7")
    }

    func testThePythonVerifierPassesTheVectorsAndSignsTheSameBytes() throws {
        let text = try document()
        let start = try XCTUnwrap(text.range(of: "```python\n# tree.py\n"))
        let end = try XCTUnwrap(text.range(of: "\n```", range: start.upperBound..<text.endIndex))
        let script = String(text[start.upperBound..<end.lowerBound])
        let signer = SoftwareCheckpointSigner(p256: P256.Signing.PrivateKey())
        let head = try SignedTreeHead.sign(treeSize: 1812, rootHash: Data(SHA256.hash(data: Data("root".utf8))),
                                           timeMillis: 1_795_426_531_362, signer: signer)
        let headJSON = String(decoding: try JSONEncoder().encode(head), as: UTF8.self)
        let check = script + "\nimport json\nprint(tree_head_message(json.loads('\(headJSON)')).hex())\n"

        let directory = try makeStateDirectory(self)
        let file = directory + "/tree.py"
        try check.write(toFile: file, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [file]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, printed)
        XCTAssertEqual(printed, "tree vectors OK\n" + head.message.hexString + "\n")
    }
}
