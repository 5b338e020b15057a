import Foundation
import KetenpoortStore

/// Checks a message's audit records against the chain: each record's own hash and its links to both neighbours.
public struct TrailVerification: Encodable {
    /// How many records were checked.
    public var records_checked: Int
    /// The first problem, or nil when every record holds.
    public var problem: String?
    /// The sequence signed by the latest checkpoint, if any.
    public var checkpointed_through: Int64?
    /// How many of the message's records a checkpoint covers.
    public var records_checkpointed: Int

    /// Verifies `trail` by reading each record's neighbours from the store.
    public static func verify(_ trail: [AuditRecord], in store: any MessageStore) async throws -> TrailVerification {
        let latest = try await store.checkpoints().map(\.sequence).max()
        var result = TrailVerification(
            records_checked: 0, problem: nil, checkpointed_through: latest,
            records_checkpointed: trail.filter { $0.sequence <= (latest ?? 0) }.count)
        for record in trail {
            let around = try await store.auditRecords(afterSequence: max(0, record.sequence - 2), limit: 3)
            if let problem = check(record, around: around) {
                result.problem = problem
                return result
            }
            result.records_checked += 1
        }
        return result
    }

    private static func check(_ record: AuditRecord, around: [AuditRecord]) -> String? {
        guard AuditEncoding.recomputeHash(of: record) == record.hash else {
            return "record \(record.sequence): hash: its stored hash does not match its contents (altered)"
        }
        guard around.first(where: { $0.sequence == record.sequence }) == record else {
            return "record \(record.sequence): sequence: the chain holds another record at this sequence"
        }
        let expectedPrevious = record.sequence == 1
            ? AuditEncoding.genesisHash : around.first(where: { $0.sequence == record.sequence - 1 })?.hash
        guard expectedPrevious == record.previousHash else {
            return "record \(record.sequence): previous-hash: it does not link to record \(record.sequence - 1)"
        }
        if let next = around.first(where: { $0.sequence == record.sequence + 1 }), next.previousHash != record.hash {
            return "record \(record.sequence + 1): previous-hash: it does not link to record \(record.sequence)"
        }
        return nil
    }
}
