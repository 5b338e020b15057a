import ArgumentParser
import Foundation
import KetenpoortCommandLine
import KetenpoortOperations
import KetenpoortStore

/// `ketenpoort audit prove`: RFC 9162 inclusion and consistency proofs over the audit tree, as JSON.
struct AuditProveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prove",
        abstract: "Print an inclusion proof (--inclusion SEQ --size N) or a consistency proof (--consistency OLD NEW) as JSON.",
        discussion: HelpText.flowing("""
            Leaf i of the audit tree is SHA-256(0x00 ‖ hash of record i+1); see docs/audit-format.md. The proof is
            checked before it is printed ("verified": true); a signed tree head of the same size is included when one exists.
            Examples:
              ketenpoort audit prove --state-dir /var/lib/ketenpoort --inclusion 12 \\
                  --size 40
              ketenpoort audit prove --state-dir /var/lib/ketenpoort --consistency 30 40
            """)
    )

    @OptionGroup var state: StoreLocationOptions

    @Option(help: "The record (seq) whose inclusion to prove.")
    var inclusion: Int64?

    @Option(help: "With --inclusion: the tree size (default: the latest signed tree head's).")
    var size: Int64?

    @Option(parsing: .upToNextOption, help: "The old and new tree sizes of a consistency proof.")
    var consistency: [Int64] = []

    func validate() throws {
        if (inclusion == nil) == consistency.isEmpty {
            throw ValidationError("give either --inclusion SEQ [--size N] or --consistency OLD NEW")
        }
        if !consistency.isEmpty && (consistency.count != 2 || size != nil) {
            throw ValidationError("--consistency takes two sizes, OLD NEW (and no --size)")
        }
    }

    /// Computes, checks and prints the proof.
    func run() async throws {
        try await runOperatorCommand {
            let store = try await state.open()
            defer { try? store.close() }
            let heads = try await store.treeHeads()
            if let inclusion {
                guard let treeSize = size ?? heads.last?.treeSize else {
                    throw OperatorFailure.usage("no signed tree head yet; give --size N")
                }
                try Output.json(try await AuditProofs.inclusion(sequence: inclusion, treeSize: treeSize, store: store, heads: heads))
            } else {
                try Output.json(try await AuditProofs.consistency(
                    oldSize: consistency[0], newSize: consistency[1], store: store, heads: heads))
            }
        }
    }
}

/// Inclusion and consistency proofs from the store, checked with `MerkleProof` and in their JSON form.
enum AuditProofs {
    /// An inclusion proof as printed.
    struct Inclusion: Encodable {
        var type = "inclusion"
        var seq: Int64
        var leaf_index: Int64
        var tree_size: Int64
        var record_hash: String
        var leaf_hash: String
        var root_hash: String
        var proof: [String]
        var verified: Bool
        var tree_head: SignedTreeHead?
    }

    /// A consistency proof as printed.
    struct Consistency: Encodable {
        var type = "consistency"
        var old_size: Int64
        var new_size: Int64
        var old_root: String
        var new_root: String
        var proof: [String]
        var verified: Bool
        var old_tree_head: SignedTreeHead?
        var new_tree_head: SignedTreeHead?
    }

    /// The inclusion proof of record `sequence` in the tree of `treeSize` records; refused if it does not verify.
    static func inclusion(sequence: Int64, treeSize: Int64, store: any MessageStore, heads: [SignedTreeHead]) async throws -> Inclusion {
        guard let record = try await store.auditRecords(afterSequence: sequence - 1, limit: 1).first, record.sequence == sequence else {
            throw OperatorFailure.refused("the audit trail has no record \(sequence)")
        }
        let proof = try await store.inclusionProof(sequence: sequence, treeSize: treeSize)
        let root = try await store.rootHash(treeSize: treeSize)
        let leaf = MerkleHash.leaf(record.hash)
        guard MerkleProof.verifyInclusion(leafHash: leaf, index: Int(sequence - 1), size: Int(treeSize), proof: proof, root: root) else {
            throw OperatorFailure.refused("the inclusion proof of record \(sequence) in size \(treeSize) does not verify")
        }
        return Inclusion(seq: sequence, leaf_index: sequence - 1, tree_size: treeSize, record_hash: record.hash.hexString,
                         leaf_hash: leaf.hexString, root_hash: root.hexString, proof: proof.map(\.hexString), verified: true,
                         tree_head: heads.last { $0.treeSize == treeSize })
    }

    /// The consistency proof from the tree of `oldSize` records to that of `newSize`; refused if it does not verify.
    static func consistency(oldSize: Int64, newSize: Int64, store: any MessageStore, heads: [SignedTreeHead]) async throws -> Consistency {
        let proof = try await store.consistencyProof(oldSize: oldSize, newSize: newSize)
        let oldRoot = try await store.rootHash(treeSize: oldSize)
        let newRoot = try await store.rootHash(treeSize: newSize)
        guard MerkleProof.verifyConsistency(oldSize: Int(oldSize), oldRoot: oldRoot, newSize: Int(newSize), newRoot: newRoot, proof: proof) else {
            throw OperatorFailure.refused("the consistency proof from size \(oldSize) to \(newSize) does not verify")
        }
        return Consistency(old_size: oldSize, new_size: newSize, old_root: oldRoot.hexString, new_root: newRoot.hexString,
                           proof: proof.map(\.hexString), verified: true,
                           old_tree_head: heads.last { $0.treeSize == oldSize }, new_tree_head: heads.last { $0.treeSize == newSize })
    }
}
