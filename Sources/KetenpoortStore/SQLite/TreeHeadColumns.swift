import Foundation
import GRDB

/// The `KPCHECK2` columns of `audit_checkpoints`: format, tree size, root hash and frontier.
package enum TreeHeadColumns {
    /// The format name of signed tree heads.
    package static let treeHeadFormat = "KPCHECK2"

    /// Adds the tree head and frontier of a `KPCHECK2` row to `checkpoint` (a store not yet migrated has no such columns).
    static func decode(_ row: Row, into checkpoint: inout AuditCheckpoint) {
        guard let format: String = row["format"], format == treeHeadFormat,
              let treeSize: Int64 = row["tree_size"], let rootHash: Data = row["root_hash"]
        else { return }
        checkpoint.treeHead = SignedTreeHead(
            treeSize: treeSize, rootHash: rootHash, timeMillis: checkpoint.timeMillis,
            keySHA256: Data(hexString: checkpoint.keyFingerprint) ?? Data(), algorithm: checkpoint.algorithm,
            signature: checkpoint.signature)
        checkpoint.frontier = (row["frontier"] as Data?).map(splitFrontier)
    }

    /// The frontier's subtree roots as one BLOB (32 bytes each, largest subtree first).
    package static func joinFrontier(_ roots: [Data]) -> Data {
        roots.reduce(into: Data()) { $0.append($1) }
    }

    /// Splits a frontier BLOB into 32-byte subtree roots (a trailing partial root is kept, and so fails to restore).
    package static func splitFrontier(_ blob: Data) -> [Data] {
        stride(from: 0, to: blob.count, by: 32).map { start in
            Data(blob[(blob.startIndex + start)..<(blob.startIndex + min(start + 32, blob.count))])
        }
    }
}
