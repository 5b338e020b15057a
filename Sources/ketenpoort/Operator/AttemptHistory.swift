import Foundation
import KetenpoortStore

/// One delivery attempt: from `delivery.leased` to the next transition of the same delivery.
struct DeliveryAttempt: Sendable, Equatable {
    /// The delivery id.
    var deliveryId: Int64
    /// The partner.
    var partner: String
    /// The attempt number (1, 2, …).
    var number: Int
    /// When the lease was taken.
    var startedAt: Date
    /// When the attempt ended, if it did.
    var endedAt: Date?
    /// How it ended: delivered, deferred, failed, refused, lease-returned, lease-expired, or in-progress.
    var outcome: String
    /// The error class, if the attempt failed.
    var errorClass: String?
    /// SHA-256 of the receipt, if one came back.
    var receiptSHA256: String?
    /// The partner endpoint (`scheme://host:port`) the attempt failed on, as its audit record names it.
    var endpoint: String? = nil
    /// What went wrong, in words (endpoint and cause), when the store still has it: only the latest failed attempt's.
    var errorText: String? = nil

    /// How long the attempt took, if it ended.
    var duration: TimeInterval? { endedAt.map { $0.timeIntervalSince(startedAt) } }
}

/// Derives the attempts from a message's audit trail.
enum AttemptHistory {
    private static let endings: [String: String] = [
        AuditEvent.deliveryDelivered.rawValue: "delivered",
        AuditEvent.deliveryDeferred.rawValue: "deferred",
        AuditEvent.deliveryFailed.rawValue: "failed",
        AuditEvent.deliveryRefused.rawValue: "refused",
        AuditEvent.deliveryLeaseReturned.rawValue: "lease-returned",
    ]

    /// The attempts, with each delivery's last error text (the store keeps only the latest) on its last failed attempt
    /// when that attempt's error class is the delivery's last one.
    static func attempts(from trail: [AuditRecord], deliveries: [DeliveryRecord]) -> [DeliveryAttempt] {
        var attempts = attempts(from: trail)
        for delivery in deliveries {
            guard let text = delivery.lastErrorText, !text.isEmpty,
                  let index = attempts.lastIndex(where: { $0.deliveryId == delivery.id && $0.errorClass != nil }),
                  attempts[index].errorClass == delivery.lastErrorClass?.rawValue
            else { continue }  // e.g. an operator failed it after the attempt: `queue show` prints it as the last error
            attempts[index].errorText = text
        }
        return attempts
    }

    /// Pairs every `delivery.leased` with the following transition of the same delivery, in trail order.
    static func attempts(from trail: [AuditRecord]) -> [DeliveryAttempt] {
        var attempts: [DeliveryAttempt] = []
        var open: [Int64: Int] = [:]
        for record in trail {
            let fields = AuditDetail.fields(record.detail)
            guard let delivery = fields["delivery"].flatMap(Int64.init) else { continue }
            if record.event == AuditEvent.deliveryLeased.rawValue {
                if let index = open[delivery] {
                    attempts[index].endedAt = record.time
                    attempts[index].outcome = "lease-expired"
                }
                open[delivery] = attempts.count
                attempts.append(DeliveryAttempt(
                    deliveryId: delivery, partner: record.partner, number: fields["attempt"].flatMap(Int.init) ?? 0,
                    startedAt: record.time, endedAt: nil, outcome: "in-progress", errorClass: nil, receiptSHA256: nil))
            } else if let outcome = endings[record.event], let index = open[delivery] {
                attempts[index].endedAt = record.time
                attempts[index].outcome = outcome
                attempts[index].errorClass = fields["error"] ?? (outcome == "refused" ? ErrorClass.refused.rawValue : nil)
                attempts[index].receiptSHA256 = fields["receipt-sha256"]
                attempts[index].endpoint = fields["endpoint"]
                open[delivery] = nil
            }
        }
        return attempts
    }
}
