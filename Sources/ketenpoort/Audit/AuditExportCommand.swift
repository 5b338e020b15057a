import ArgumentParser
import Foundation
import KetenpoortCommandLine
import KetenpoortCore
import KetenpoortOperations
import KetenpoortStore

/// `ketenpoort audit export`: writes audit records (and checkpoints) as JSON lines.
struct AuditExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export audit records and checkpoints as JSON lines (see docs/audit-format.md).",
        discussion: HelpText.flowing("""
            Exit codes: 0 exported, 2 usage error or the store cannot be opened.

            Examples:
              ketenpoort audit export --config gateway.yaml --since 7d > last-week.jsonl
              ketenpoort audit export --state-dir /var/lib/ketenpoort --since 2026-11-01
            """)
    )

    @OptionGroup var state: StoreLocationOptions

    @Option(help: "Only records at or after T: ISO 8601 (2026-11-23T00:00:00Z, 2026-11-23) or a duration ago (24h, 7d), as in `report --since`.")
    var since: String?

    /// Streams the records page by page to stdout, then the checkpoints.
    func run() async throws {
        try await runOperatorCommand {
            try await export()
        }
    }

    private func export() async throws {
        let now = Date()
        let sinceDate = try since.map { try Self.parseMoment($0, now: now) }
        let store = try await state.open()
        defer { try? store.close() }
        var after: Int64 = 0
        while true {
            let page: [AuditRecord]
            if let sinceDate {
                page = try await store.auditRecords(since: sinceDate, afterSequence: after, limit: 5_000)
            } else {
                page = try await store.auditRecords(afterSequence: after, limit: 5_000)
            }
            guard let last = page.last else { break }
            var out = Data()
            for record in page { out.append(try AuditJSON.line(record)) }
            FileHandle.standardOutput.write(out)
            after = last.sequence
        }
        var out = Data()
        for checkpoint in try await store.checkpoints() where sinceDate.map({ checkpoint.timeMillis >= Int64($0.timeIntervalSince1970 * 1000) }) ?? true {
            out.append(try AuditJSON.line(checkpoint))
        }
        FileHandle.standardOutput.write(out)
    }

    private static func parseMoment(_ text: String, now: Date) throws -> Date {
        if let date = TimeText.parseMoment(text, now: now) { return date }
        throw OperatorFailure.usage("--since \(text) is not an ISO 8601 date(-time) or a duration (24h, 7d)")
    }
}

/// The JSON-lines forms of audit records and checkpoints.
enum AuditJSON {
    private struct RecordLine: Encodable {
        var type = "record"
        var seq: Int64
        var time: String
        var time_ms: Int64
        var event: String
        var message_id: String
        var partner: String
        var actor: String
        var detail: String
        var prev_hash: String
        var hash: String
    }

    private struct CheckpointLine: Encodable {
        var type = "checkpoint"
        var id: Int64
        var seq: Int64
        var head_hash: String
        var time: String
        var time_ms: Int64
        var algorithm: String
        var key_sha256: String
        var signature: String
        /// `KPCHECK1` (signs seq and head_hash) or `KPCHECK2` (a signed tree head: also tree_size and root_hash).
        var format: String
        var tree_size: Int64?
        var root_hash: String?
    }

    /// One record as a JSON line (with a trailing newline).
    static func line(_ record: AuditRecord) throws -> Data {
        try encode(RecordLine(
            seq: record.sequence, time: iso(record.timeMillis), time_ms: record.timeMillis, event: record.event,
            message_id: record.messageId, partner: record.partner, actor: record.actor, detail: record.detail,
            prev_hash: record.previousHash.hexString, hash: record.hash.hexString))
    }

    /// One checkpoint as a JSON line (with a trailing newline).
    static func line(_ checkpoint: AuditCheckpoint) throws -> Data {
        try encode(CheckpointLine(
            id: checkpoint.id, seq: checkpoint.sequence, head_hash: checkpoint.headHash.hexString,
            time: iso(checkpoint.timeMillis), time_ms: checkpoint.timeMillis, algorithm: checkpoint.algorithm,
            key_sha256: checkpoint.keyFingerprint, signature: checkpoint.signature.base64EncodedString(),
            format: checkpoint.format, tree_size: checkpoint.treeHead?.treeSize, root_hash: checkpoint.treeHead?.rootHash.hexString))
    }

    private static func encode(_ value: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(value)
        data.append(0x0A)
        return data
    }

    private static func iso(_ millis: Int64) -> String {
        RFC3339.utc(Date(timeIntervalSince1970: Double(millis) / 1000), fractionalSeconds: true)
    }
}
