import Crypto
import Foundation
import Hummingbird
import KetenpoortCore
import KetenpoortPKI
import KetenpoortStore
import KetenpoortXML
import Logging
import ServiceLifecycle

/// `POST /v1/berichten` and `GET /v1/berichten/{id}`: admission, durable storage, then 202.
public struct IntakeHandler: Sendable {
    /// The pipeline and revocation lists in force (replaced by a configuration reload).
    let rules: CurrentIntakeRules
    let store: any MessageStore
    let retentionDays: [String: Int]
    let maxBytes: Int
    let logger: Logger
    let metrics: GatewayMetrics
    let onAccepted: @Sendable () -> Void
    let gate: RequestGate
    let refusals = RefusalTally()

    /// Creates the handler; `onAccepted` wakes the dispatcher; at most `maxConcurrentRequests` are in admission at once.
    public init(pipeline: AdmissionPipeline, store: any MessageStore, retentionDays: [String: Int], maxBytes: Int,
                logger: Logger, metrics: GatewayMetrics, maxConcurrentRequests: Int = ConnectionLimits.standard.effectiveMaxConcurrentRequests,
                revocation: RevocationChecker? = nil, onAccepted: @escaping @Sendable () -> Void) {
        self.gate = RequestGate(limit: maxConcurrentRequests)
        self.rules = CurrentIntakeRules(IntakeRules(pipeline: pipeline, revocation: revocation))
        self.store = store
        self.retentionDays = retentionDays
        self.maxBytes = maxBytes
        self.logger = logger
        self.metrics = metrics
        self.onAccepted = onAccepted
    }

    /// The service that audits the refusal summaries every `interval` and at shutdown; run it beside the listener.
    public func refusalSummaryService(interval: Duration) -> some Service {
        RefusalSummaryService(tally: refusals, store: store, interval: interval, logger: logger)
    }

    /// The revocation lists in force (those of the last reload).
    var revocationLists: [RevocationList] {
        rules.current.revocation?.lists ?? []
    }

    /// Admits later requests by `rules`; requests already in admission finish under the rules they started with.
    public func replaceRules(with rules: IntakeRules) {
        self.rules.replace(with: rules)
    }

    /// Adds the intake routes to a router.
    public func register(on router: Router<PeerRequestContext>) {
        router.post("/v1/berichten") { request, context in
            await self.submit(request, context: context)
        }
        router.get("/v1/berichten/{id}") { _, context in
            await self.status(id: context.parameters.get("id") ?? "", context: context)
        }
    }

    /// Runs admission and stores the message; answers only after the commit is durable.
    func submit(_ request: Request, context: PeerRequestContext) async -> Response {
        let started = ContinuousClock.now
        let rules = rules.current
        guard let peer = context.peer, let oin = peer.oin, peer.hasClientAuthUsage else {
            metrics.intake(sender: rules.senderLabel(context.peer?.oin), kind: "unknown", result: "forbidden")
            logger.notice("intake refused", metadata: ["outcome": "forbidden", "reason": "client certificate without OIN or clientAuth"])
            return ProblemDetails.forbidden("the client certificate carries no OIN (subject serialNumber) with clientAuth usage").response()
        }
        let sender = rules.senderLabel(oin)
        if let revocation = rules.revocation, revocation.isRevoked(certificateDER: peer.certificateDER) {
            metrics.intake(sender: sender, kind: "unknown", result: "forbidden")
            logger.notice("intake refused", metadata: ["sender": "\(oin)", "outcome": "forbidden", "reason": "client certificate revoked"])
            await auditRefusal(sender: oin, code: "revoked", messageId: "")
            return ProblemDetails.forbidden("the client certificate is revoked").response()
        }
        guard Self.isXML(request.headers[.contentType]) else {
            metrics.intake(sender: sender, kind: "unknown", result: "unsupported-media-type")
            logger.notice("intake refused", metadata: ["sender": "\(oin)", "outcome": "unsupported-media-type"])
            await auditRefusal(sender: oin, code: "KP-H001", messageId: "")
            return ProblemDetails.unsupportedMediaType().response()
        }
        // Bounded admission: over the limit the body is not read at all.
        guard gate.tryEnter() else {
            metrics.intake(sender: sender, kind: "unknown", result: "busy")
            metrics.admissionBusy(listener: "intake")
            return ProblemDetails.busy(retryAfterSeconds: 1).response()
        }
        defer { gate.leave() }
        let bytes: Data
        do {
            var buffer = try await request.body.collect(upTo: maxBytes)
            bytes = buffer.readData(length: buffer.readableBytes) ?? Data()
        } catch {
            metrics.intake(sender: sender, kind: "unknown", result: "too-large")
            await auditRefusal(sender: oin, code: "KP-X003", messageId: "")
            return ProblemDetails.tooLarge(limit: maxBytes).response()
        }
        let now = Date()
        let received = ContinuousClock.now
        let admitted: AdmittedMessage
        do {
            admitted = try rules.pipeline.admit(bytes, authenticatedOIN: oin, now: now)
        } catch {
            return await refused(error, sender: oin, senderLabel: sender)
        }
        let signed = ContinuousClock.now
        let digest = Data(SHA256.hash(data: bytes))
        let days = retentionDays[admitted.kind.name] ?? admitted.kind.retentionDays
        let incoming = IncomingMessage(
            id: admitted.header.messageId, kind: admitted.kind.name, senderOIN: oin, digest: digest, receivedAt: now,
            signedAt: admitted.signedAt, urgent: admitted.header.urgent, payload: admitted.signedBytes,
            retentionDeadline: now.addingTimeInterval(TimeInterval(days) * 86400))
        do {
            let outcome = try await store.accept(incoming, recipients: admitted.recipients)
            let stored = ContinuousClock.now
            // A new message's status is what the accept wrote; a duplicate's is read, its deliveries may have moved on.
            let status: MessageStatusResponse
            let duplicate: Bool
            switch outcome {
            case .accepted(let message):
                status = MessageStatusResponse(justAccepted: message)
                duplicate = false
            case .duplicate:
                guard let current = try await store.status(messageId: admitted.header.messageId) else {
                    return ProblemDetails.unavailable("the message was stored but cannot be read back").response()
                }
                status = MessageStatusResponse(current)
                duplicate = true
            }
            metrics.intake(sender: sender, kind: admitted.kind.name, result: duplicate ? "duplicate" : "accepted")
            metrics.intakeLatency(since: started)
            logger.info("intake accepted", metadata: [
                "message_id": "\(admitted.header.messageId)", "kind": "\(admitted.kind.name)", "sender": "\(oin)",
                "partners": "\(admitted.recipients.joined(separator: ","))", "outcome": duplicate ? "duplicate" : "accepted",
                "read_ms": "\(Self.millis(received - started))", "admit_ms": "\(Self.millis(signed - received))",
                "store_ms": "\(Self.millis(stored - signed))",
            ])
            if !duplicate { onAccepted() }
            return status.response(status: duplicate ? .ok : .accepted)
        } catch StoreError.messageConflict {
            metrics.intake(sender: sender, kind: admitted.kind.name, result: "conflict")
            logger.notice("intake refused", metadata: ["message_id": "\(admitted.header.messageId)", "outcome": "conflict"])
            await auditRefusal(sender: oin, code: "conflict", messageId: admitted.header.messageId)
            return ProblemDetails.conflict(messageId: admitted.header.messageId).response()
        } catch StoreError.unavailable {
            metrics.intake(sender: sender, kind: admitted.kind.name, result: "store-unavailable")
            logger.error("intake not confirmed", metadata: ["message_id": "\(admitted.header.messageId)", "outcome": "store-unavailable"])
            return ProblemDetails.unavailable("the database did not confirm the message in time; send it again (a message "
                + "that was stored after all is answered 200 with its status, never stored twice)").response()
        } catch {
            metrics.intake(sender: sender, kind: admitted.kind.name, result: "store-error")
            logger.error("intake not stored", metadata: ["message_id": "\(admitted.header.messageId)", "outcome": "store-error",
                                                         "error": "\(type(of: error))"])
            return ProblemDetails.unavailable("the message could not be stored durably; nothing was accepted").response()
        }
    }

    /// A duration in whole milliseconds, for log lines.
    private static func millis(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
    }

    /// Maps an admission failure to its response, with a log line and an audit record (no content).
    private func refused(_ error: AdmissionFailure, sender: String, senderLabel: String) async -> Response {
        switch error {
        case .invalid(let findings):
            let reading = findings.contains { $0.code.hasPrefix("KP-X") }
            let codes = Set(findings.map(\.code)).sorted().joined(separator: ",")
            metrics.intake(sender: senderLabel, kind: "unknown", result: "invalid")
            logger.notice("intake refused", metadata: ["sender": "\(sender)", "outcome": "invalid", "codes": "\(codes)"])
            await auditRefusal(sender: sender, code: codes, messageId: "", key: "codes")
            return ProblemDetails.invalid(findings, status: reading ? 400 : 422).response()
        case .unauthorised(let failure, let header):
            metrics.intake(sender: senderLabel, kind: header.kind, result: "forbidden")
            logger.notice("intake refused", metadata: ["message_id": "\(header.messageId)", "kind": "\(header.kind)",
                                                       "sender": "\(sender)", "outcome": "forbidden", "code": "\(failure.code)"])
            await auditRefusal(sender: sender, code: failure.code, messageId: header.messageId)
            var problem = ProblemDetails.forbidden(failure.description, findings: error.findings)
            problem.messageId = header.messageId
            return problem.response()
        case .internalError(let what):
            metrics.intake(sender: senderLabel, kind: "unknown", result: "internal-error")
            logger.error("intake failed", metadata: ["sender": "\(sender)", "outcome": "internal-error", "error": "\(what)"])
            return ProblemDetails.unavailable("the gateway could not process the message; try again").response()
        }
    }

    /// `GET /v1/berichten/{id}`: the delivery state per recipient, for the sender of that message only.
    func status(id: String, context: PeerRequestContext) async -> Response {
        guard let oin = context.peer?.oin else {
            return ProblemDetails.forbidden("the client certificate carries no OIN").response()
        }
        do {
            guard let status = try await store.status(messageId: id), status.message.senderOIN == oin else {
                return ProblemDetails.notFound().response()
            }
            return MessageStatusResponse(status).response(status: .ok)
        } catch {
            return ProblemDetails.unavailable("the store cannot be read").response()
        }
    }

    /// Whether a Content-Type names XML (`application/xml` or `text/xml`, parameters allowed).
    static func isXML(_ contentType: String?) -> Bool {
        guard let contentType else { return false }
        let media = contentType.split(separator: ";", maxSplits: 1).first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        return media == "application/xml" || media == "text/xml"
    }

    /// Audits a refusal on its own only when it is the first of its sender and code in this interval; the rest go
    /// into the interval's summary record.
    private func auditRefusal(sender: String, code: String, messageId: String, key: String = "code") async {
        guard await refusals.count(sender: sender, code: code) else { return }
        await audit(.intakeRejected, messageId: messageId, detail: "sender=\(sender) \(key)=\(code)")
    }

    private func audit(_ event: AuditEvent, messageId: String, detail: String) async {
        do {
            try await store.record(event: event, messageId: messageId, partner: "", actor: .system, detail: detail, now: Date())
        } catch {
            logger.error("audit record not written", metadata: ["event": "\(event.rawValue)", "error": "\(type(of: error))"])
        }
    }
}
