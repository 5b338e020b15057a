import Foundation
import KetenpoortStore

/// The inclusion of a message's records in the latest signed tree head, each proof checked before it is shown.
public struct TrailProofs: Encodable {
    /// One record's proof.
    public struct RecordProof: Encodable {
        public var seq: Int64
        public var leaf_index: Int64
        public var proof: [String]
        public var verified: Bool
        /// The witnesses holding a head (whose root is the store's) that includes this record.
        public var witnessed_by: [String]
    }

    /// A witness's latest cosigned head of this gateway.
    public struct WitnessView: Encodable {
        public var witness: String
        public var tree_size: Int64
        /// Whether the store's records give the root the witness cosigned (false: rewritten or truncated here).
        public var root_matches: Bool
    }

    /// The head the records are proved against.
    public var tree_head: SignedTreeHead
    /// Whether the head's signature was checked (with the configured signing certificate) and holds.
    public var head_signature_verified: Bool?
    /// The records the head covers, with their proofs.
    public var records: [RecordProof]
    /// Records newer than the head (not yet in a signed head).
    public var not_yet_in_a_head: [Int64]
    /// Each witness's latest cosigned head.
    public var witnesses: [WitnessView]

    /// Proves every record of `trail` in the latest tree head; nil if there is no head yet. Throws if the head's root is
    /// not the store's root at its size, its signature fails (when `verifier` is given), or a proof does not verify.
    public static func make(_ trail: [AuditRecord], store: any MessageStore, verifier: (any CheckpointVerifier)?,
                     cosignatures: [StoredCosignature]) async throws -> TrailProofs? {
        guard let head = try await store.latestTreeHead() else { return nil }
        let signatureHolds = verifier.map { head.isValid(with: $0) }
        if signatureHolds == false {
            throw OperatorFailure.refused("the latest signed tree head (size \(head.treeSize)) does not verify with the signing certificate")
        }
        guard try await store.rootHash(treeSize: head.treeSize) == head.rootHash else {
            throw OperatorFailure.refused("the records 1…\(head.treeSize) do not give the root the latest tree head signed")
        }
        var witnesses: [WitnessView] = []
        for stored in cosignatures.sorted(by: { $0.witness < $1.witness }) {
            let local = try? await store.rootHash(treeSize: stored.head.treeSize)
            witnesses.append(WitnessView(witness: stored.witness, tree_size: stored.head.treeSize, root_matches: local == stored.head.rootHash))
        }
        var proofs: [RecordProof] = []
        for record in trail where record.sequence <= head.treeSize {
            let proof = try await store.inclusionProof(sequence: record.sequence, treeSize: head.treeSize)
            guard MerkleProof.verifyInclusion(leafHash: MerkleHash.leaf(record.hash), index: Int(record.sequence - 1),
                                              size: Int(head.treeSize), proof: proof, root: head.rootHash) else {
                throw OperatorFailure.refused("record \(record.sequence) is not included in the latest tree head (size \(head.treeSize))")
            }
            let witnessedBy = witnesses.filter { $0.root_matches && $0.tree_size >= record.sequence }.map(\.witness)
            proofs.append(RecordProof(seq: record.sequence, leaf_index: record.sequence - 1, proof: proof.map(\.hexString), verified: true,
                                      witnessed_by: witnessedBy))
        }
        return TrailProofs(tree_head: head, head_signature_verified: signatureHolds, records: proofs,
                           not_yet_in_a_head: trail.map(\.sequence).filter { $0 > head.treeSize }, witnesses: witnesses)
    }

    /// The text lines shown under the trail.
    public var lines: [String] {
        let signature = switch head_signature_verified {
        case true?: "signature verified"
        case false?: "signature does not verify"
        case nil: "signature not checked (give --config)"
        }
        var lines = ["inclusion in the latest signed tree head: size \(tree_head.treeSize), root \(tree_head.rootHash.hexString), "
                     + "signed \(TimeText.time(Date(timeIntervalSince1970: Double(tree_head.timeMillis) / 1000))) (\(signature))"]
        for record in records {
            let witnessed = record.witnessed_by.isEmpty ? "" : "; witnessed by \(record.witnessed_by.joined(separator: ", "))"
            lines.append("  record \(record.seq): leaf \(record.leaf_index), proof of \(record.proof.count) hash(es): verified\(witnessed)")
        }
        for seq in not_yet_in_a_head {
            lines.append("  record \(seq): not yet in a signed tree head")
        }
        for witness in witnesses {
            let root = witness.root_matches ? "the store's root" : "a root the store's records do NOT give"
            lines.append("witness \(witness.witness): latest cosigned size \(witness.tree_size), \(root)")
        }
        if witnesses.isEmpty {
            lines.append("no witness has cosigned a head of this gateway yet")
        }
        return lines
    }
}
