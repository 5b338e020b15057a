import Foundation
import KetenpoortServer
import KetenpoortStore

/// The end-of-run checks of `bench chaos`: every 202 is delivered, in exactly one inbox, accepted exactly once, with its receipt.
struct ChaosVerdict: Codable, Sendable {
    /// Requests sent.
    var sent: Int
    /// Requests answered 202.
    var acknowledged: Int
    /// Acknowledged messages delivered with a stored receipt and present in exactly one inbox.
    var delivered: Int
    /// Acknowledged messages in more than one inbox, or accepted (`outcome=ontvangen`) more than once by an endpoint.
    var duplicates: Int
    /// Acknowledged messages missing from every inbox or not delivered in the store.
    var lost: Int
    /// Deliveries that are not final (queued, sending, deferred, held) after the drain.
    var stuck: Int
    /// Deliveries delivered without a stored receipt.
    var missingReceipts: Int
    /// Deliveries that failed permanently.
    var failed: Int
    /// Redeliveries the partners recognised and deduplicated (`outcome=dubbel-ontvangen`): at-least-once at work, not duplicates.
    var dedupedRedeliveries: Int
    /// Messages stored and delivered although the client got no 202 (e.g. the gateway died after the commit, before answering).
    var deliveredWithout202: Int
    /// Whether `ketenpoort audit verify` passed.
    var auditVerified: Bool
    /// Example message ids of each problem (at most 5 each).
    var examples: [String: [String]]

    /// Whether nothing was lost, duplicated, stuck or unverified.
    var passed: Bool { lost == 0 && duplicates == 0 && stuck == 0 && missingReceipts == 0 && failed == 0 && auditVerified }
}

/// Computes the verdict from the load result, the inboxes, the partner logs, the store and `audit verify`.
struct ChaosVerifier {
    /// The set-up after the run (gateway and partners stopped).
    let world: BenchWorld

    /// Checks everything, and reads from the audit trail how surviving nodes took over the leases of the `kills`.
    func verify(_ load: LoadResult, kills: [NodeKill]) async throws -> (ChaosVerdict, ChaosTakeover) {
        let acknowledged = Set(load.acceptedAt.keys)
        var inboxes: [String: Int] = [:]
        for directory in world.inboxes.values {
            for file in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] where file.hasSuffix(".xml") {
                inboxes[String(file.dropLast(4)), default: 0] += 1
            }
        }
        let (acceptances, deduped) = partnerLogCounts()
        let watcher = try await DeliveryWatcher.open(world.configuration)
        let deliveries: [DeliveryRecord]
        let records: [AuditRecord]
        do {
            deliveries = try await watcher.allDeliveries()
            records = try await Self.allAuditRecords(watcher.store)
        } catch {
            await watcher.close()
            throw error
        }
        await watcher.close()
        var byMessage: [String: [DeliveryRecord]] = [:]
        for record in deliveries { byMessage[record.messageId, default: []].append(record) }
        var examples: [String: [String]] = [:]
        func note(_ kind: String, _ id: String) { if examples[kind, default: []].count < 5 { examples[kind, default: []].append(id) } }
        var delivered = 0, duplicates = 0, lost = 0
        for id in acknowledged {
            let records = byMessage[id] ?? []
            let inStore = !records.isEmpty && records.allSatisfy { $0.state == .delivered && $0.receipt != nil }
            let copies = inboxes[id] ?? 0
            if copies > 1 || (acceptances[id] ?? 0) > 1 { duplicates += 1; note("duplicate", id) }
            if copies == 0 || !inStore { lost += 1; note("lost", id) } else if copies == 1 { delivered += 1 }
        }
        let stuck = deliveries.filter { !$0.state.isFinal }
        let missing = deliveries.filter { $0.state == .delivered && $0.receipt == nil }
        let failed = deliveries.filter { $0.state == .failed }
        stuck.prefix(5).forEach { note("stuck", $0.messageId) }
        failed.prefix(5).forEach { note("failed", "\($0.messageId) \($0.lastErrorClass?.rawValue ?? "") \($0.lastErrorText ?? "")") }
        let without202 = Set(byMessage.keys).subtracting(acknowledged).filter { inboxes[$0] != nil }.count
        let verdict = ChaosVerdict(sent: load.sent, acknowledged: acknowledged.count, delivered: delivered, duplicates: duplicates, lost: lost,
                                   stuck: stuck.count, missingReceipts: missing.count, failed: failed.count, dedupedRedeliveries: deduped,
                                   deliveredWithout202: without202, auditVerified: await auditVerifies(), examples: examples)
        return (verdict, ChaosTakeover.measure(records: records, kills: kills, deliveries: deliveries))
    }

    /// Every audit record, in sequence order (paged).
    private static func allAuditRecords(_ store: ConfiguredStore) async throws -> [AuditRecord] {
        var all: [AuditRecord] = []
        while true {
            let page = try await store.auditRecords(afterSequence: all.last?.sequence ?? 0, limit: 10_000)
            all += page
            if page.count < 10_000 { return all }
        }
    }

    /// Per message id, how often an endpoint logged `outcome=ontvangen`; and how many `outcome=dubbel-ontvangen` lines there were.
    private func partnerLogCounts() -> ([String: Int], Int) {
        var accepted: [String: Int] = [:]
        var deduped = 0
        for process in world.partners.values {
            guard let data = FileManager.default.contents(atPath: process.logFile) else { continue }
            for line in String(decoding: data, as: UTF8.self).split(separator: "\n") where line.contains("outcome=") {
                let tokens = line.split(separator: " ")
                guard let outcome = tokens.first(where: { $0.hasPrefix("outcome=") })?.dropFirst(8),
                      let id = tokens.first(where: { $0.hasPrefix("message_id=") })?.dropFirst(11) else { continue }
                if outcome == "ontvangen" { accepted[String(id), default: 0] += 1 }
                if outcome == "dubbel-ontvangen" { deduped += 1 }
            }
        }
        return (accepted, deduped)
    }

    /// Runs `ketenpoort audit verify --config <first node's configuration>` (SQLite or PostgreSQL, checkpoints checked
    /// with its signing certificate) and reports whether it exited 0.
    private func auditVerifies() async -> Bool {
        let child = ChildProcess(arguments: ["audit", "verify", "--config", world.gatewayConfigFile],
                                 logFile: world.root.appendingPathComponent("audit-verify.log").path)
        do { try child.start() } catch { return false }
        guard await child.waitForExit(timeout: 600) else { return false }
        return child.exitStatus == 0
    }
}
