import Crypto
import Foundation

/// The canonical byte encodings of audit records and checkpoints (see `docs/audit-format.md`).
public enum AuditEncoding {
    /// The hash that precedes the first record: 32 zero bytes.
    public static let genesisHash = Data(repeating: 0, count: 32)

    /// `"KPAUDIT1" ‖ u64(seq) ‖ i64(time_ms) ‖ str(event) ‖ str(message_id) ‖ str(partner) ‖ str(actor) ‖ str(detail)`.
    public static func canonical(
        sequence: Int64, timeMillis: Int64, event: String, messageId: String, partner: String, actor: String,
        detail: String
    ) -> Data {
        var out = Data("KPAUDIT1".utf8)
        appendInteger(UInt64(bitPattern: sequence), to: &out)
        appendInteger(UInt64(bitPattern: timeMillis), to: &out)
        for field in [event, messageId, partner, actor, detail] {
            appendString(field, to: &out)
        }
        return out
    }

    /// The record's hash: SHA-256(previous hash ‖ canonical encoding).
    public static func hash(
        previousHash: Data, sequence: Int64, timeMillis: Int64, event: String, messageId: String, partner: String,
        actor: String, detail: String
    ) -> Data {
        var hasher = SHA256()
        hasher.update(data: previousHash)
        hasher.update(data: canonical(
            sequence: sequence, timeMillis: timeMillis, event: event, messageId: messageId, partner: partner,
            actor: actor, detail: detail))
        return Data(hasher.finalize())
    }

    /// Recomputes a stored record's hash from its fields and its stored previous hash.
    public static func recomputeHash(of record: AuditRecord) -> Data {
        hash(
            previousHash: record.previousHash, sequence: record.sequence, timeMillis: record.timeMillis,
            event: record.event, messageId: record.messageId, partner: record.partner, actor: record.actor,
            detail: record.detail)
    }

    /// The bytes a checkpoint signs: `"KPCHECK1" ‖ u64(seq) ‖ head hash (32 bytes) ‖ i64(time_ms)`.
    public static func checkpointMessage(sequence: Int64, headHash: Data, timeMillis: Int64) -> Data {
        var out = Data("KPCHECK1".utf8)
        appendInteger(UInt64(bitPattern: sequence), to: &out)
        out.append(headHash)
        appendInteger(UInt64(bitPattern: timeMillis), to: &out)
        return out
    }

    private static func appendInteger(_ value: UInt64, to out: inout Data) {
        withUnsafeBytes(of: value.bigEndian) { out.append(contentsOf: $0) }
    }

    private static func appendString(_ value: String, to out: inout Data) {
        let bytes = Data(value.utf8)
        withUnsafeBytes(of: UInt32(truncatingIfNeeded: bytes.count).bigEndian) { out.append(contentsOf: $0) }
        out.append(bytes)
    }
}
