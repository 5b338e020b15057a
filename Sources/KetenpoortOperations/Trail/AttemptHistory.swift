import Foundation
import KetenpoortStore

/// One delivery attempt: from `delivery.leased` to the next transition of the same delivery.
public struct DeliveryAttempt: Sendable, Equatable {
    /// The delivery id.
    public var deliveryId: Int64
    /// The partner.
    public var partner: String
    /// The attempt number (1, 2, …).
    public var number: Int
    /// When the lease was taken.
    public var startedAt: Date
    /// When the attempt ended, if it did.
    public var endedAt: Date?
    /// How it ended: delivered, deferred, failed, refused, lease-returned, lease-expired, or in-progress.
    public var outcome: String
    /// The error class, if the attempt failed.
    public var errorClass: String?
    /// SHA-256 of the receipt, if one came back.
    public var receiptSHA256: String?
    /// The partner endpoint (`scheme://host:port`) the attempt failed on, as its audit record names it.
    public var endpoint: String? = nil
    /// What went wrong, in words (endpoint and cause), when the store still has it: only the latest failed attempt's.
    public var errorText: String? = nil

    /// How long the attempt took, if it ended.
    public var duration: TimeInterval? { endedAt.map { $0.timeIntervalSince(startedAt) } }
}

/// Derives the attempts from a message's audit trail.
public enum AttemptHistory {
    private static let endings: [String: String] = [
        AuditEvent.deliveryDelivered.rawValue: "delivered",
        AuditEvent.deliveryDeferred.rawValue: "deferred",
        AuditEvent.deliveryFailed.rawValue: "failed",
        AuditEvent.deliveryRefused.rawValue: "refused",
        AuditEvent.deliveryLeaseReturned.rawValue: "lease-returned",
    ]

    /// The attempts, with each delivery's last error text (the store keeps only the latest) on its last failed attempt
    /// when that attempt's error class is the delivery's last one.
    public static func attempts(from trail: [AuditRecord], deliveries: [DeliveryRecord]) -> [DeliveryAttempt] {
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
    public static func attempts(from trail: [AuditRecord]) -> [DeliveryAttempt] {
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
