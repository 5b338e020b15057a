import Foundation
import KetenpoortOperations
import KetenpoortStore

/// A message as `queue show` presents it: metadata, deliveries with attempts, receipt summaries.
struct MessageView {
    /// The message and its deliveries.
    let status: MessageStatus
    /// The attempts derived from the audit trail.
    let attempts: [DeliveryAttempt]
    /// The receipt digest per delivery id, from the audit trail.
    let receiptDigests: [Int64: String]
    /// The signed message's digest from the `message.accepted` record (nil in records of the older format).
    let signedDigest: String?

    /// Builds the view from the store's status and the message's audit trail.
    init(status: MessageStatus, trail: [AuditRecord]) {
        self.status = status
        self.attempts = AttemptHistory.attempts(from: trail, deliveries: status.deliveries)
        var digests: [Int64: String] = [:]
        for record in trail {
            let fields = AuditDetail.fields(record.detail)
            if let digest = fields["receipt-sha256"], let delivery = fields["delivery"].flatMap(Int64.init) {
                digests[delivery] = digest
            }
        }
        self.receiptDigests = digests
        signedDigest = trail.first { $0.event == AuditEvent.messageAccepted.rawValue }
            .flatMap { AcceptedDigests(detail: $0.detail).signed }
    }

    /// The human text.
    var text: String {
        let message = status.message
        var lines = [
            "message    \(message.id)",
            "kind       \(message.kind)",
            "sender     \(message.senderOIN)",
            "urgent     \(message.urgent ? "yes" : "no")",
            "received   \(TimeText.time(message.receivedAt))",
            "signed     \(TimeText.time(message.signedAt))",
            "digest     sha256:\(message.digest.hexString) (as received)",
            "           sha256:\(signedDigest ?? "-") (as signed and delivered)",
            "retention  \(TimeText.time(message.retentionDeadline))",
            "payload    \(message.purgedAt.map { "purged at \(TimeText.time($0))" } ?? "stored (encrypted)")",
            "",
        ]
        for delivery in status.deliveries {
            var line = "delivery \(delivery.id) to \(delivery.partner): \(delivery.state.rawValue), \(delivery.attempts) attempt(s)"
            if delivery.state == .queued || delivery.state == .deferred {
                line += ", next attempt \(TimeText.time(delivery.nextAttemptAt))"
            }
            if let error = delivery.lastErrorClass { line += ", last error \(error.rawValue)" }
            lines.append(line)
            var table = TextTable(["ATTEMPT", "STARTED", "OUTCOME", "ERROR", "DURATION"], rightAligned: [0, 4])
            for attempt in attempts where attempt.deliveryId == delivery.id {
                table.add([
                    String(attempt.number), TimeText.time(attempt.startedAt), attempt.outcome, attempt.errorClass ?? "-",
                    attempt.duration.map { String(format: "%.3fs", $0) } ?? "-",
                ])
            }
            if !table.rows.isEmpty {
                lines.append(table.render().split(separator: "\n").map { "  " + $0 }.joined(separator: "\n"))
            }
            for attempt in attempts where attempt.deliveryId == delivery.id {
                if let text = attempt.errorText {
                    lines.append("  attempt \(attempt.number) error: \(text)")
                } else if let errorClass = attempt.errorClass, let endpoint = attempt.endpoint {
                    lines.append("  attempt \(attempt.number) error: \(errorClass) at \(endpoint)")
                }
            }
            if let text = delivery.lastErrorText, !attempts.contains(where: { $0.deliveryId == delivery.id && $0.errorText != nil }) {
                lines.append("  last error: \(text)")
            }
            if let receipt = delivery.receipt {
                let summary = ReceiptSummary(receipt, sha256: receiptDigests[delivery.id])
                lines.append("  receipt: \(summary.status ?? "?")\(summary.refusal_reason.map { " (\($0))" } ?? ""), "
                    + "\(summary.bytes) bytes, sha256:\(summary.sha256 ?? "?"), partner received \(summary.received_at ?? "?")")
            }
        }
        return lines.joined(separator: "\n")
    }

    /// The JSON form.
    var json: MessageJSON {
        let message = status.message
        return MessageJSON(
            message_id: message.id, kind: message.kind, sender_oin: message.senderOIN, urgent: message.urgent,
            received_at: TimeText.json(message.receivedAt), signed_at: TimeText.json(message.signedAt),
            digest_sha256: message.digest.hexString, signed_digest_sha256: signedDigest,
            retention_deadline: TimeText.json(message.retentionDeadline), purged_at: TimeText.json(message.purgedAt),
            deliveries: status.deliveries.map { delivery in
                DeliveryJSON(
                    delivery_id: delivery.id, partner: delivery.partner, state: delivery.state.rawValue,
                    attempts: delivery.attempts, next_attempt_at: TimeText.json(delivery.nextAttemptAt),
                    last_error_class: delivery.lastErrorClass?.rawValue, last_error_text: delivery.lastErrorText,
                    attempt_history: attempts.filter { $0.deliveryId == delivery.id }.map { attempt in
                        AttemptJSON(
                            attempt: attempt.number, started_at: TimeText.json(attempt.startedAt),
                            ended_at: TimeText.json(attempt.endedAt), outcome: attempt.outcome,
                            error_class: attempt.errorClass, error_text: attempt.errorText, endpoint: attempt.endpoint,
                            duration_ms: attempt.duration.map { Int(($0 * 1000).rounded()) })
                    },
                    receipt: delivery.receipt.map { ReceiptSummary($0, sha256: receiptDigests[delivery.id]) })
            },
            payload_base64: nil)
    }
}

/// The JSON form of `queue show`.
struct MessageJSON: Encodable {
    var message_id: String
    var kind: String
    var sender_oin: String
    var urgent: Bool
    var received_at: String?
    var signed_at: String?
    var digest_sha256: String
    var signed_digest_sha256: String?
    var retention_deadline: String?
    var purged_at: String?
    var deliveries: [DeliveryJSON]
    var payload_base64: String?
}

/// One delivery in `queue show --json`.
struct DeliveryJSON: Encodable {
    var delivery_id: Int64
    var partner: String
    var state: String
    var attempts: Int
    var next_attempt_at: String?
    var last_error_class: String?
    var last_error_text: String?
    var attempt_history: [AttemptJSON]
    var receipt: ReceiptSummary?
}

/// One attempt in `queue show --json`.
struct AttemptJSON: Encodable {
    var attempt: Int
    var started_at: String?
    var ended_at: String?
    var outcome: String
    var error_class: String?
    var error_text: String?
    var endpoint: String?
    var duration_ms: Int?
}
