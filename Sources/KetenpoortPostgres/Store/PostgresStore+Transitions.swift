import Crypto
import Foundation
import KetenpoortStore
import PostgresNIO

extension PostgresStore {
    /// Marks a leased delivery delivered and stores the receipt.
    public func deliver(_ delivery: DeliveryID, owner: String, token: LeaseToken, receipt: Data, now: Date) async throws -> DeliveryRecord {
        let rule = TransitionRule.leased("deliver", event: .deliveryDelivered, owner: owner, token: token)
        let receiptDigest = Data(SHA256.hash(data: receipt)).hexString
        return try await transition(delivery, rule: rule, actor: .system, now: now) { connection, before, nowMillis in
            try await connection.query("""
                UPDATE deliveries SET state = 'delivered', due_ms = NULL, next_attempt_ms = NULL, lease_expiry_ms = NULL,
                    receipt = \(receipt), updated_ms = \(nowMillis) WHERE id = \(before.id)
                """, logger: PostgresDatabase.quiet)
            return "attempt=\(before.attempts) receipt-sha256=\(receiptDigest)"
        }
    }

    /// Defers a leased delivery until `until` after a retryable error; a "try later" receipt's digest is audited.
    public func deferDelivery(
        _ delivery: DeliveryID, owner: String, token: LeaseToken, until: Date, errorClass: ErrorClass, errorText: String,
        receipt: Data?, now: Date
    ) async throws -> DeliveryRecord {
        let rule = TransitionRule.leased("defer", event: .deliveryDeferred, owner: owner, token: token)
        let text = AuditText.clean(errorText)
        let untilMillis = until.millis
        let receiptDetail = receipt.map { " receipt-sha256=" + Data(SHA256.hash(data: $0)).hexString } ?? ""
        return try await transition(delivery, rule: rule, actor: .system, now: now) { connection, before, nowMillis in
            try await connection.query("""
                UPDATE deliveries SET state = 'deferred', due_ms = \(untilMillis), next_attempt_ms = \(untilMillis),
                    lease_expiry_ms = NULL, last_error_class = \(errorClass.rawValue), last_error_text = \(text),
                    updated_ms = \(nowMillis) WHERE id = \(before.id)
                """, logger: PostgresDatabase.quiet)
            return "attempt=\(before.attempts) until=\(untilMillis) error=\(errorClass.rawValue)" + receiptDetail + auditEndpoint(text)
        }
    }

    /// Fails a leased delivery permanently.
    public func fail(
        _ delivery: DeliveryID, owner: String, token: LeaseToken, errorClass: ErrorClass, errorText: String, now: Date
    ) async throws -> DeliveryRecord {
        let rule = TransitionRule.leased("fail", event: .deliveryFailed, owner: owner, token: token)
        let text = AuditText.clean(errorText)
        return try await transition(delivery, rule: rule, actor: .system, now: now) { connection, before, nowMillis in
            try await Self.markFailed(connection, id: before.id, errorClass: errorClass, text: text, receipt: nil, nowMillis: nowMillis)
            return "attempt=\(before.attempts) error=\(errorClass.rawValue)" + auditEndpoint(text)
        }
    }

    /// Fails a leased delivery that the partner refused, keeping the signed refusal as the receipt.
    public func refuse(
        _ delivery: DeliveryID, owner: String, token: LeaseToken, receipt: Data, reason: String, now: Date
    ) async throws -> DeliveryRecord {
        let rule = TransitionRule.leased("refuse", event: .deliveryRefused, owner: owner, token: token)
        let reasonText = AuditText.clean(reason, limit: 60)
        let receiptDigest = Data(SHA256.hash(data: receipt)).hexString
        return try await transition(delivery, rule: rule, actor: .system, now: now) { connection, before, nowMillis in
            try await Self.markFailed(connection, id: before.id, errorClass: .refused, text: "refused by the partner: \(reasonText)",
                                      receipt: receipt, nowMillis: nowMillis)
            return "attempt=\(before.attempts) reason=\(AuditText.quoted(reasonText)) receipt-sha256=\(receiptDigest)"
        }
    }

    /// Gives an unfinished lease back; the delivery is queued and due now.
    public func returnLease(_ delivery: DeliveryID, owner: String, token: LeaseToken, now: Date) async throws -> DeliveryRecord {
        let rule = TransitionRule.leased("return the lease of", event: .deliveryLeaseReturned, owner: owner, token: token)
        return try await transition(delivery, rule: rule, actor: .system, now: now) { connection, before, nowMillis in
            try await Self.markQueued(connection, id: before.id, nowMillis: nowMillis)
            return "attempt=\(before.attempts)"
        }
    }

    /// Queues again, due now, a delivery still leased by `owner`, a node or run that is gone.
    public func reclaimLease(_ delivery: DeliveryID, from owner: String, now: Date) async throws -> DeliveryRecord {
        try await reclaimLease(delivery, from: owner, reason: "start-up", now: now)
    }

    /// Queues again, due now, a delivery leased by `owner`; `reason` says why (`start-up`, `node-dead`) in the audit.
    func reclaimLease(_ delivery: DeliveryID, from owner: String, reason: String, now: Date) async throws -> DeliveryRecord {
        let rule = TransitionRule(action: "reclaim the lease of", allowed: [.sending], event: .deliveryLeaseReturned, leaseOwner: owner)
        return try await transition(delivery, rule: rule, actor: .system, now: now) { connection, before, nowMillis in
            try await Self.markQueued(connection, id: before.id, nowMillis: nowMillis)
            return "attempt=\(before.attempts) reclaimed-from=\(AuditText.quoted(owner)) reason=\(reason)"
        }
    }

    /// Operator: holds a queued or deferred delivery.
    public func hold(_ delivery: DeliveryID, by action: OperatorAction, now: Date) async throws -> DeliveryRecord {
        try TransitionRule.validate(action)
        let rule = TransitionRule(action: "hold", allowed: [.queued, .deferred], event: .deliveryHeld, leaseOwner: nil)
        return try await transition(delivery, rule: rule, actor: .operator(action.name), now: now) { connection, before, nowMillis in
            try await connection.query("UPDATE deliveries SET state = 'held', due_ms = NULL, updated_ms = \(nowMillis) WHERE id = \(before.id)",
                                       logger: PostgresDatabase.quiet)
            return "from=\(before.state.rawValue) reason=\(AuditText.quoted(action.reason))"
        }
    }

    /// Operator: releases a held delivery; it is queued and due now.
    public func release(_ delivery: DeliveryID, by action: OperatorAction, now: Date) async throws -> DeliveryRecord {
        try TransitionRule.validate(action)
        let rule = TransitionRule(action: "release", allowed: [.held], event: .deliveryReleased, leaseOwner: nil)
        return try await transition(delivery, rule: rule, actor: .operator(action.name), now: now) { connection, before, nowMillis in
            try await Self.markQueued(connection, id: before.id, nowMillis: nowMillis)
            return "reason=\(AuditText.quoted(action.reason))"
        }
    }

    /// Operator: makes a deferred or failed delivery due now.
    public func retryNow(_ delivery: DeliveryID, by action: OperatorAction, now: Date) async throws -> DeliveryRecord {
        try TransitionRule.validate(action)
        let rule = TransitionRule(action: "retry", allowed: [.deferred, .failed], event: .deliveryRetryNow, leaseOwner: nil)
        return try await transition(delivery, rule: rule, actor: .operator(action.name), now: now) { connection, before, nowMillis in
            try await Self.markQueued(connection, id: before.id, nowMillis: nowMillis)
            return "from=\(before.state.rawValue) reason=\(AuditText.quoted(action.reason))"
        }
    }

    /// Operator: fails a queued, deferred or held delivery permanently.
    public func fail(_ delivery: DeliveryID, by action: OperatorAction, now: Date) async throws -> DeliveryRecord {
        try TransitionRule.validate(action)
        let rule = TransitionRule(action: "fail", allowed: [.queued, .deferred, .held], event: .deliveryFailed, leaseOwner: nil)
        let text = AuditText.clean(action.reason)
        return try await transition(delivery, rule: rule, actor: .operator(action.name), now: now) { connection, before, nowMillis in
            try await Self.markFailed(connection, id: before.id, errorClass: .operatorAction, text: text, receipt: nil, nowMillis: nowMillis)
            return "from=\(before.state.rawValue) error=\(ErrorClass.operatorAction.rawValue) reason=\(AuditText.quoted(action.reason))"
        }
    }

    /// Locks the delivery, checks the rule, applies `update` and appends the audit record, all in one transaction.
    private func transition(
        _ id: DeliveryID, rule: TransitionRule, actor: AuditActor, now: Date,
        update: @escaping @Sendable (PostgresConnection, DeliveryRecord, Int64) async throws -> String
    ) async throws -> DeliveryRecord {
        let nowMillis = now.millis
        return try await write { connection, chain in
            guard let before = try await PostgresRows.fetchDelivery(connection, id: id, lock: true) else {
                throw StoreError.deliveryNotFound(id)
            }
            try rule.check(before)
            let detail = try await update(connection, before, nowMillis)
            try await chain.append(connection, event: rule.event, messageId: before.messageId, partner: before.partner, actor: actor,
                                   detail: "delivery=\(id) " + detail, timeMillis: nowMillis)
            guard let after = try await PostgresRows.fetchDelivery(connection, id: id) else {
                throw StoreError.deliveryNotFound(id)
            }
            return after
        }
    }

    static func markQueued(_ connection: PostgresConnection, id: DeliveryID, nowMillis: Int64) async throws {
        try await connection.query("""
            UPDATE deliveries SET state = 'queued', due_ms = \(nowMillis), next_attempt_ms = \(nowMillis), lease_expiry_ms = NULL,
                updated_ms = \(nowMillis) WHERE id = \(id)
            """, logger: PostgresDatabase.quiet)
    }

    static func markFailed(
        _ connection: PostgresConnection, id: DeliveryID, errorClass: ErrorClass, text: String, receipt: Data?, nowMillis: Int64
    ) async throws {
        if let receipt {
            try await connection.query("""
                UPDATE deliveries SET state = 'failed', due_ms = NULL, next_attempt_ms = NULL, lease_expiry_ms = NULL,
                    last_error_class = \(errorClass.rawValue), last_error_text = \(text), receipt = \(receipt),
                    updated_ms = \(nowMillis) WHERE id = \(id)
                """, logger: PostgresDatabase.quiet)
        } else {
            try await connection.query("""
                UPDATE deliveries SET state = 'failed', due_ms = NULL, next_attempt_ms = NULL, lease_expiry_ms = NULL,
                    last_error_class = \(errorClass.rawValue), last_error_text = \(text), updated_ms = \(nowMillis) WHERE id = \(id)
                """, logger: PostgresDatabase.quiet)
        }
    }
}
