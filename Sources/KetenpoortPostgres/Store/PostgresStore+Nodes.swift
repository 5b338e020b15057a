import Foundation
import KetenpoortStore
import PostgresNIO

extension PostgresStore: NodeMembership, GatewayStore {
    /// Registers or refreshes `owner`'s heartbeat, by the database's clock (node clocks may differ).
    public func heartbeat(owner: String, host: String) async throws {
        _ = try await rows("write the heartbeat", """
            INSERT INTO gateway_nodes (owner, host) VALUES (\(owner), \(host))
            ON CONFLICT (owner) DO UPDATE SET heartbeat_at = clock_timestamp()
            """)
    }

    /// Returns to the queue the leases of nodes silent for more than `deadAfter` seconds, and of owners never registered.
    public func reclaimLeasesOfDeadNodes(except owner: String, deadAfter: TimeInterval, now: Date) async throws -> [DeliveryRecord] {
        let seconds = max(1, deadAfter)
        let stale = try await rows("find the leases of dead nodes", """
            SELECT d.id, d.lease_owner FROM deliveries d
            WHERE d.state = 'sending' AND d.lease_owner IS NOT NULL AND d.lease_owner <> \(owner)
              AND NOT EXISTS (SELECT 1 FROM gateway_nodes n WHERE n.owner = d.lease_owner
                              AND n.heartbeat_at > clock_timestamp() - make_interval(secs => \(seconds)))
            ORDER BY d.id LIMIT 1000
            """).map { try $0.decode((Int64, String).self) }
        var reclaimed: [DeliveryRecord] = []
        for (id, previous) in stale {
            do {
                reclaimed.append(try await reclaimLease(id, from: previous, reason: "node-dead", now: now))
            } catch StoreError.leaseNotHeld {
                continue    // the delivery moved on meanwhile (finished, or leased again)
            } catch StoreError.invalidTransition {
                continue
            }
        }
        _ = try await rows("forget dead nodes", """
            DELETE FROM gateway_nodes WHERE owner <> \(owner) AND heartbeat_at < clock_timestamp() - make_interval(secs => \(seconds))
            """)
        return reclaimed
    }

    /// Removes `owner` from the live nodes.
    public func leave(owner: String) async throws {
        _ = try await rows("leave the cluster", "DELETE FROM gateway_nodes WHERE owner = \(owner)")
    }
}

extension PostgresStore: WitnessCosignatureStore {
    /// Stores a verified cosignature of `head` by `witness` (append-only; a duplicate of a stored one is ignored).
    public func recordCosignature(witness: String, head: SignedTreeHead, cosignature: WitnessCosignature, now: Date) async throws {
        let stored = StoredCosignature(witness: witness, head: head, cosignature: cosignature, receivedMillis: now.millis)
        _ = try await rows("store a witness cosignature", try Self.insertQuery(stored))
    }

    /// The INSERT of one stored cosignature; a duplicate of a stored one is ignored.
    static func insertQuery(_ s: StoredCosignature) throws -> PostgresQuery {
        try """
        INSERT INTO witness_cosignatures (witness, tree_size, root_hash, time_ms, key_sha256, algorithm, signature, witness_name,
            witness_key_sha256, witness_algorithm, witnessed_ms, cosignature, received_ms)
        VALUES (\(s.witness), \(s.head.treeSize), \(s.head.rootHash), \(s.head.timeMillis), \(s.head.keySHA256), \(s.head.algorithm),
                \(s.head.signature), \(s.cosignature.witness), \(s.cosignature.keySHA256), \(s.cosignature.algorithm),
                \(s.cosignature.witnessedMillis), \(s.cosignature.signature), \(s.receivedMillis))
        ON CONFLICT DO NOTHING
        """
    }

    /// The latest cosignature (largest tree size, then latest stored) of each witness.
    public func latestCosignatures() async throws -> [StoredCosignature] {
        try await rows("read witness cosignatures", """
            SELECT DISTINCT ON (witness) witness, tree_size, root_hash, time_ms, key_sha256, algorithm, signature, witness_name,
                   witness_key_sha256, witness_algorithm, witnessed_ms, cosignature, received_ms
            FROM witness_cosignatures ORDER BY witness, tree_size DESC, id DESC
            """).map { row in
            let (witness, size, root, time, key, algorithm, signature, name, witnessKey, witnessAlgorithm, witnessed, cosignature, received) =
                try row.decode((String, Int64, Data, Int64, Data, String, Data, String, Data, String, Int64, Data, Int64).self)
            return StoredCosignature(
                witness: witness,
                head: SignedTreeHead(treeSize: size, rootHash: root, timeMillis: time, keySHA256: key, algorithm: algorithm, signature: signature),
                cosignature: WitnessCosignature(witness: name, keySHA256: witnessKey, algorithm: witnessAlgorithm, witnessedMillis: witnessed,
                                                signature: cosignature),
                receivedMillis: received)
        }
    }
}
