import Foundation
import GRDB

extension SQLiteStore: WitnessCosignatureStore {
    /// Stores a verified cosignature of `head` by `witness` (append-only; a duplicate of a stored one is ignored).
    public func recordCosignature(witness: String, head: SignedTreeHead, cosignature: WitnessCosignature, now: Date) async throws {
        let received = now.millis
        try await write { db in
            try db.execute(sql: """
                INSERT OR IGNORE INTO witness_cosignatures (witness, tree_size, root_hash, time_ms, key_sha256, algorithm,
                    signature, witness_name, witness_key_sha256, witness_algorithm, witnessed_ms, cosignature, received_ms)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [witness, head.treeSize, head.rootHash, head.timeMillis, head.keySHA256, head.algorithm,
                                 head.signature, cosignature.witness, cosignature.keySHA256, cosignature.algorithm, cosignature.witnessedMillis,
                                 cosignature.signature, received])
        }
    }

    /// The latest cosignature (largest tree size, then latest stored) of each witness.
    public func latestCosignatures() async throws -> [StoredCosignature] {
        try await read { db in
            try Row.fetchAll(db, sql: """
                SELECT * FROM witness_cosignatures AS c
                WHERE c.id = (SELECT d.id FROM witness_cosignatures AS d WHERE d.witness = c.witness
                              ORDER BY d.tree_size DESC, d.id DESC LIMIT 1)
                ORDER BY c.witness
                """).map(RowDecoding.cosignature)
        }
    }
}

extension RowDecoding {
    /// Decodes a witness cosignature row.
    static func cosignature(_ row: Row) throws -> StoredCosignature {
        let head = SignedTreeHead(
            treeSize: try row.decode(Int64.self, forColumn: "tree_size"),
            rootHash: try row.decode(Data.self, forColumn: "root_hash"),
            timeMillis: try row.decode(Int64.self, forColumn: "time_ms"),
            keySHA256: try row.decode(Data.self, forColumn: "key_sha256"),
            algorithm: try row.decode(String.self, forColumn: "algorithm"),
            signature: try row.decode(Data.self, forColumn: "signature"))
        let witness = try row.decode(String.self, forColumn: "witness")
        let cosignature = WitnessCosignature(
            witness: try row.decode(String.self, forColumn: "witness_name"),
            keySHA256: try row.decode(Data.self, forColumn: "witness_key_sha256"),
            algorithm: try row.decode(String.self, forColumn: "witness_algorithm"),
            witnessedMillis: try row.decode(Int64.self, forColumn: "witnessed_ms"),
            signature: try row.decode(Data.self, forColumn: "cosignature"))
        return StoredCosignature(witness: witness, head: head, cosignature: cosignature,
                                 receivedMillis: try row.decode(Int64.self, forColumn: "received_ms"))
    }
}
