import Foundation
import KetenpoortStore
import PostgresNIO

/// Appends audit records inside a write transaction that holds the `audit_head` row lock.
///
/// It starts from the head read under that lock and writes the new head back before the commit, so every node
/// appends after the last record of any node, with no gap and no fork.
final class AuditChainWriter: @unchecked Sendable {
    private(set) var sequence: Int64
    private(set) var hash: Data
    private let startSequence: Int64

    /// Locks the head row (waiting for any other node's appending transaction) and reads it.
    static func lockHead(_ connection: PostgresConnection) async throws -> AuditChainWriter {
        let rows = try await connection.query("SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE",
                                              logger: PostgresDatabase.quiet).collect()
        guard let row = rows.first else { throw StoreError.database("the audit_head row is missing") }
        let (sequence, hash) = try row.decode((Int64, Data).self)
        return AuditChainWriter(sequence: sequence, hash: hash)
    }

    private init(sequence: Int64, hash: Data) {
        self.sequence = sequence
        self.hash = hash
        startSequence = sequence
    }

    /// Where the chain stands now, to restore it when a savepoint is rolled back.
    var position: (sequence: Int64, hash: Data) { (sequence, hash) }

    /// Goes back to `position` (the records after it were rolled back with their savepoint).
    func restore(_ position: (sequence: Int64, hash: Data)) {
        sequence = position.sequence
        hash = position.hash
    }

    /// Appends one record after the current head and returns it.
    @discardableResult
    func append(
        _ connection: PostgresConnection, event: AuditEvent, messageId: String, partner: String = "", actor: AuditActor,
        detail: String, timeMillis: Int64
    ) async throws -> AuditRecord {
        let next = sequence + 1
        let actorText = actor.text
        let recordHash = AuditEncoding.hash(
            previousHash: hash, sequence: next, timeMillis: timeMillis, event: event.rawValue, messageId: messageId,
            partner: partner, actor: actorText, detail: detail)
        let previous = hash
        try await connection.query("""
            INSERT INTO audit (seq, time_ms, event, message_id, partner, actor, detail, prev_hash, hash)
            VALUES (\(next), \(timeMillis), \(event.rawValue), \(messageId), \(partner), \(actorText), \(detail), \(previous), \(recordHash))
            """, logger: PostgresDatabase.quiet)
        sequence = next
        hash = recordHash
        return AuditRecord(sequence: next, timeMillis: timeMillis, event: event.rawValue, messageId: messageId, partner: partner,
                           actor: actorText, detail: detail, previousHash: previous, hash: recordHash)
    }

    /// Writes the head back if records were appended; call last, before the commit.
    func saveHead(_ connection: PostgresConnection) async throws {
        guard sequence != startSequence else { return }
        try await connection.query("UPDATE audit_head SET seq = \(sequence), hash = \(hash) WHERE id = 1",
                                   logger: PostgresDatabase.quiet)
    }
}
