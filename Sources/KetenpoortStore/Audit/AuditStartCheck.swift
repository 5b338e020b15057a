import Foundation

extension MessageStore {
    /// The daemon's check at start: the append-only guards exist, checkpoint ids are contiguous, the last checkpoint
    /// verifies with `verifier` and its record is intact, and the records after it extend it (hash chain and Merkle tree).
    /// Returns the first problem, or nil. Costs the records after the last checkpoint, not the whole chain.
    public func auditStartCheck(verifier: any CheckpointVerifier, pageSize: Int = 10_000) async throws -> AuditBreak? {
        if let missing = try await missingAppendOnlyGuards().first {
            return AuditBreak(sequence: 0, rule: "guard-missing",
                              explanation: "the trigger \(missing) that keeps the audit trail append-only is missing")
        }
        let checkpoints = try await checkpoints()
        for (index, checkpoint) in checkpoints.enumerated() where checkpoint.id != Int64(index + 1) {
            return AuditBreak(sequence: checkpoint.sequence, checkpointId: Int64(index + 1), rule: "checkpoint-deleted",
                              explanation: "checkpoint \(index + 1) is missing (the next checkpoint present is \(checkpoint.id))")
        }
        var walk = ChainExtension()
        if let last = checkpoints.last {
            if let problem = try await walk.start(at: last, store: self, verifier: verifier) { return problem }
        }
        while true {
            let page = try await auditRecords(afterSequence: walk.lastSequence, limit: pageSize)
            guard !page.isEmpty else { return nil }
            for record in page {
                if let problem = walk.extend(with: record) { return problem }
            }
        }
    }
}

/// Walks the records after a checkpoint: each must follow the previous one and hash to what it stores. (The next
/// tree head extends the checkpoint's frontier over them; the frontier itself is checked against its signed root.)
struct ChainExtension {
    private(set) var lastSequence: Int64 = 0
    private var lastHash = AuditEncoding.genesisHash

    /// Starts after `checkpoint`: its signature, its record and (for a tree head) its root and frontier must hold.
    mutating func start(at checkpoint: AuditCheckpoint, store: some MessageStore, verifier: any CheckpointVerifier) async throws -> AuditBreak? {
        let signed = checkpoint.treeHead?.isValid(with: verifier) ?? (
            checkpoint.keyFingerprint == verifier.keyFingerprint && verifier.isValid(
                signature: checkpoint.signature,
                for: AuditEncoding.checkpointMessage(sequence: checkpoint.sequence, headHash: checkpoint.headHash, timeMillis: checkpoint.timeMillis),
                algorithm: checkpoint.algorithm))
        guard signed else {
            return AuditBreak(sequence: checkpoint.sequence, checkpointId: checkpoint.id, rule: "checkpoint-signature",
                              explanation: "the last checkpoint (\(checkpoint.id)) does not verify with the gateway's signing key")
        }
        let records = try await store.auditRecords(afterSequence: checkpoint.sequence - 1, limit: 1)
        guard let record = records.first, record.sequence == checkpoint.sequence else {
            return AuditBreak(sequence: checkpoint.sequence, checkpointId: checkpoint.id, rule: "truncated",
                              explanation: "checkpoint \(checkpoint.id) signed record \(checkpoint.sequence), which is gone")
        }
        if AuditEncoding.recomputeHash(of: record) != record.hash {
            return AuditBreak(sequence: record.sequence, rule: "hash",
                              explanation: "its stored hash does not match its contents (the record was altered)")
        }
        if let head = checkpoint.treeHead {
            let frontier = checkpoint.frontier.flatMap { MerkleFrontier(size: Int(checkpoint.sequence), subtreeRoots: $0) }
            guard let frontier, frontier.root == head.rootHash, head.treeSize == checkpoint.sequence else {
                return AuditBreak(sequence: checkpoint.sequence, checkpointId: checkpoint.id, rule: "checkpoint-frontier",
                                  explanation: "checkpoint \(checkpoint.id) keeps a frontier that does not give its signed root")
            }
        }
        if checkpoint.headHash != record.hash {
            return AuditBreak(sequence: record.sequence, checkpointId: checkpoint.id, rule: "checkpoint-hash",
                              explanation: "checkpoint \(checkpoint.id) signed a different hash for this record")
        }
        lastSequence = record.sequence
        lastHash = record.hash
        return nil
    }

    /// Checks the next record after the ones seen; returns the problem if it does not extend them.
    mutating func extend(with record: AuditRecord) -> AuditBreak? {
        let expected = lastSequence + 1
        if record.sequence != expected {
            return AuditBreak(sequence: expected, rule: "deleted",
                              explanation: "record \(expected) is missing (the next record present is \(record.sequence))")
        }
        if record.previousHash != lastHash {
            return AuditBreak(sequence: record.sequence, rule: "previous-hash",
                              explanation: "its previous hash is not the hash of record \(record.sequence - 1)")
        }
        if AuditEncoding.recomputeHash(of: record) != record.hash {
            return AuditBreak(sequence: record.sequence, rule: "hash",
                              explanation: "its stored hash does not match its contents (the record was altered)")
        }
        lastSequence = record.sequence
        lastHash = record.hash
        return nil
    }
}
