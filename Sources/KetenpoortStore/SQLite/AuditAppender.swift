import Foundation
import GRDB

/// Appends records to the audit chain inside the caller's write transaction.
struct AuditAppender {
    private var lastSequence: Int64
    private var lastHash: Data

    /// Reads the current head of the chain; call inside the write transaction that appends.
    init(_ db: Database) throws {
        if let row = try Row.fetchOne(try db.cachedStatement(sql: "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1")) {
            lastSequence = try row.decode(Int64.self, forColumn: "seq")
            lastHash = try row.decode(Data.self, forColumn: "hash")
        } else {
            lastSequence = 0
            lastHash = AuditEncoding.genesisHash
        }
    }

    /// Appends one record after the current head and returns it.
    @discardableResult
    mutating func append(
        _ db: Database, event: AuditEvent, messageId: String, partner: String = "", actor: AuditActor,
        detail: String, timeMillis: Int64
    ) throws -> AuditRecord {
        let sequence = lastSequence + 1
        let actorText = actor.text
        let hash = AuditEncoding.hash(
            previousHash: lastHash, sequence: sequence, timeMillis: timeMillis, event: event.rawValue,
            messageId: messageId, partner: partner, actor: actorText, detail: detail)
        let insert = try db.cachedStatement(sql: """
            INSERT INTO audit (seq, time_ms, event, message_id, partner, actor, detail, prev_hash, hash)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        try insert.execute(
            arguments: [sequence, timeMillis, event.rawValue, messageId, partner, actorText, detail, lastHash, hash])
        let record = AuditRecord(
            sequence: sequence, timeMillis: timeMillis, event: event.rawValue, messageId: messageId,
            partner: partner, actor: actorText, detail: detail, previousHash: lastHash, hash: hash)
        lastSequence = sequence
        lastHash = hash
        return record
    }
}

/// Makes operator- or courier-supplied text safe for the audit trail: one line, bounded length.
package enum AuditText {
    /// Replaces control characters with spaces and cuts the text to `limit` characters.
    package static func clean(_ text: String, limit: Int = 200) -> String {
        let scalars = text.unicodeScalars.map { scalar -> Character in
            CharacterSet.controlCharacters.contains(scalar) ? " " : Character(scalar)
        }
        return String(String(scalars).prefix(limit))
    }

    /// Quotes a free text for a `key="value"` detail field.
    package static func quoted(_ text: String) -> String {
        "\"" + clean(text).replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
