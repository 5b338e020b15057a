import Foundation
import KetenpoortStore
import Logging

/// What the gateway does with its audit trail when it starts: check the store, then sign the head it starts from.
struct AuditStartUp: Sendable {
    let store: any MessageStore
    let verifier: any CheckpointVerifier
    let checkpointer: AuditCheckpointer
    /// Start on a store that fails the check (`serve --accept-broken-audit`); the acceptance is itself audited.
    let acceptBroken: Bool
    let logger: Logger

    /// The part name in the one line a refused start prints.
    static let part = "audit check at start-up"

    /// Checks the store (see `auditStartCheck`); a broken store throws one line naming the first bad record or
    /// checkpoint, unless accepted, when an `audit.broken-accepted` record says what was broken.
    func checkStore() async throws {
        guard let problem = try await store.auditStartCheck(verifier: verifier) else { return }
        guard acceptBroken else {
            throw GatewayPartFailure(part: Self.part, reason: "\(problem) (see `ketenpoort audit verify`; start anyway only with --accept-broken-audit)")
        }
        logger.critical("starting on a broken audit trail (--accept-broken-audit)", metadata: ["problem": "\(problem)"])
        let checkpoint = problem.checkpointId.map { " checkpoint=\($0)" } ?? ""
        try await store.record(event: .auditBrokenAccepted, messageId: "", partner: "", actor: .system,
                               detail: "rule=\(problem.rule) record=\(problem.sequence)\(checkpoint) flag=--accept-broken-audit", now: Date())
    }

    /// Signs the head the gateway starts from (so a crash loop still leaves one signed head per start).
    func signStartHead() async throws {
        if let checkpoint = try await checkpointer.checkpointNow() {
            logger.info("audit checkpoint at start-up", metadata: ["tree-size": "\(checkpoint.sequence)"])
        }
    }
}
