import Foundation

/// Checks a checkpoint against the record it signed and the tree up to that record.
enum TreeHeadCheck {
    /// The first thing wrong with `checkpoint` given its head `record` and the `frontier` of the records up to it; nil if none.
    static func problem(_ checkpoint: AuditCheckpoint, record: AuditRecord, frontier: MerkleFrontier) -> AuditBreak? {
        if checkpoint.headHash != record.hash {
            return AuditBreak(
                sequence: record.sequence, checkpointId: checkpoint.id, rule: "checkpoint-hash",
                explanation: "checkpoint \(checkpoint.id) signed a different hash for this record")
        }
        guard let head = checkpoint.treeHead else { return nil }
        if head.treeSize != record.sequence {
            return AuditBreak(
                sequence: record.sequence, checkpointId: checkpoint.id, rule: "checkpoint-tree-size",
                explanation: "checkpoint \(checkpoint.id) names tree size \(head.treeSize) for record \(record.sequence)")
        }
        if head.rootHash != frontier.root {
            return AuditBreak(
                sequence: record.sequence, checkpointId: checkpoint.id, rule: "checkpoint-root",
                explanation: "checkpoint \(checkpoint.id) signed a Merkle root that the records 1…\(record.sequence) do not give")
        }
        if let stored = checkpoint.frontier, stored != frontier.subtreeRoots {
            return AuditBreak(
                sequence: record.sequence, checkpointId: checkpoint.id, rule: "checkpoint-frontier",
                explanation: "checkpoint \(checkpoint.id) keeps a frontier that is not the tree's (later heads would sign wrong roots)")
        }
        return nil
    }
}
