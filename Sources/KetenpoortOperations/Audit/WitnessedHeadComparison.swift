import Crypto
import Foundation
import KetenpoortServer
import KetenpoortStore

/// Compares the local audit tree with signed tree heads kept elsewhere (a witness, an export): a head larger than the
/// local tree means truncation, a different root at a head's size means the tree was rewritten.
public enum WitnessedHeadComparison {
    /// What a comparison found.
    public enum Outcome: Equatable {
        /// The local tree extends the head.
        case consistent
        /// The local tree is shorter than the head: records `localSize + 1 … head size` are gone.
        case truncated(localSize: Int64, headSize: Int64)
        /// The local tree's root at the head's size is not the head's root.
        case rewritten(size: Int64, localRoot: Data, headRoot: Data)
    }

    /// Compares one head with the local tree.
    public static func compare(_ head: SignedTreeHead, with store: any MessageStore, localSize: Int64) async throws -> Outcome {
        if localSize < head.treeSize { return .truncated(localSize: localSize, headSize: head.treeSize) }
        guard head.treeSize > 0 else { return .consistent }
        let root = try await store.rootHash(treeSize: head.treeSize)
        return root == head.rootHash ? .consistent : .rewritten(size: head.treeSize, localRoot: root, headRoot: head.rootHash)
    }

    /// One line for an outcome against `source` (e.g. `witness https://…`); nil when consistent.
    public static func finding(_ outcome: Outcome, source: String) -> String? {
        switch outcome {
        case .consistent:
            return nil
        case .truncated(let local, let size):
            return "BROKEN: truncated: first missing size \(local + 1) (the local tree has \(local) records; "
                + "\(source) holds a head of size \(size) signed by this gateway's key)"
        case .rewritten(let size, let local, let held):
            return "BROKEN: rewritten: the local tree's root at size \(size) is \(local.hexString), "
                + "but \(source) holds root \(held.hexString) signed by this gateway's key"
        }
    }

    /// The signed tree heads in an `audit export` file (JSON lines that carry a head's fields), in file order.
    public static func heads(inExport path: String) throws -> [SignedTreeHead] {
        guard let data = FileManager.default.contents(atPath: path) else { throw CLIError("cannot read the export \(path)") }
        let decoder = JSONDecoder()
        return data.split(separator: 0x0A).compactMap { line in
            guard line.contains(Data("\"tree_size\"".utf8)) else { return nil }
            return try? decoder.decode(SignedTreeHead.self, from: Data(line))
        }
    }

    /// SHA-256 of a verifier's key (the `key_sha256` of the heads it verifies).
    public static func keySHA256(of verifier: any CheckpointVerifier) -> Data {
        Data(SHA256.hash(data: verifier.publicKeyDER))
    }
}
