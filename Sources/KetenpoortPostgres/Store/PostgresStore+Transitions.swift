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
        try await operatorTransition(.hold, delivery, by: action, now: now)
    }

    /// Operator: releases a held delivery; it is queued and due now.
    public func release(_ delivery: DeliveryID, by action: OperatorAction, now: Date) async throws -> DeliveryRecord {
        try await operatorTransition(.release, delivery, by: action, now: now)
    }

    /// Operator: makes a deferred or failed delivery due now.
    public func retryNow(_ delivery: DeliveryID, by action: OperatorAction, now: Date) async throws -> DeliveryRecord {
        try await operatorTransition(.retry, delivery, by: action, now: now)
    }

    /// Operator: locks the selected deliveries (`FOR UPDATE`: a node's lease of one waits, or was first and took it out of
    /// the selection) and changes all of them (or, refused, none) in one transaction.
    public func apply(_ transition: OperatorTransition, to selection: DeliverySelection, by action: OperatorAction, now: Date) async throws
        -> OperatorTransitionOutcome {
        try TransitionRule.validate(action)
        let nowMillis = now.millis
        let actor = AuditActor.operator(action.name)
        let query = Self.selectionQuery(selection, transition: transition)
        return try await write { connection, chain in
            let selected = try await connection.query(query, logger: PostgresDatabase.quiet).collect().map(PostgresRows.delivery)
            if let wrong = selection.check(selected, for: transition) {
                return .refused(wrongState: wrong, selected: selected)
            }
            var changes: [DeliveryChange] = []
            for before in selected {
                try transition.rule.check(before)
                try await Self.applyOperatorUpdate(transition, connection, id: before.id, nowMillis: nowMillis)
                try await chain.append(connection, event: transition.rule.event, messageId: before.messageId, partner: before.partner,
                                       actor: actor, detail: "delivery=\(before.id) " + transition.auditDetail(before, action),
                                       timeMillis: nowMillis)
                guard let after = try await PostgresRows.fetchDelivery(connection, id: before.id) else {
                    throw StoreError.deliveryNotFound(before.id)
                }
                changes.append(DeliveryChange(before: before, after: after))
            }
            return .applied(changes)
        }
    }

    /// One operator transition of one delivery, through the rule and update the bulk form uses.
    private func operatorTransition(_ transition: OperatorTransition, _ delivery: DeliveryID, by action: OperatorAction, now: Date)
        async throws -> DeliveryRecord {
        try TransitionRule.validate(action)
        return try await self.transition(delivery, rule: transition.rule, actor: .operator(action.name), now: now) { connection, before, nowMillis in
            try await Self.applyOperatorUpdate(transition, connection, id: before.id, nowMillis: nowMillis)
            return transition.auditDetail(before, action)
        }
    }

    /// The deliveries a selection takes, in id order and locked: one message's (all states), or (a page of) a bulk selection's
    /// allowed states (re-checked by PostgreSQL after waiting for a row another transaction changed).
    private static func selectionQuery(_ selection: DeliverySelection, transition: OperatorTransition) -> PostgresQuery {
        let partner = selection.partner
        if let messageId = selection.messageId {
            return partner.map { partner in
                "SELECT \(unescaped: PostgresRows.deliveryColumns) FROM deliveries WHERE message_id = \(messageId) AND partner = \(partner) ORDER BY id FOR UPDATE"
            } ?? "SELECT \(unescaped: PostgresRows.deliveryColumns) FROM deliveries WHERE message_id = \(messageId) ORDER BY id FOR UPDATE"
        }
        let states = selection.bulkStates(for: transition).map(\.rawValue)
        // A NULL limit is no limit; ids start at 1.
        let after = selection.after ?? 0
        let limit = selection.limit.map(Int64.init)
        return partner.map { partner in
            """
            SELECT \(unescaped: PostgresRows.deliveryColumns) FROM deliveries WHERE state = ANY(\(states)) AND partner = \(partner)
                AND id > \(after) ORDER BY id LIMIT \(limit) FOR UPDATE
            """
        } ?? """
            SELECT \(unescaped: PostgresRows.deliveryColumns) FROM deliveries WHERE state = ANY(\(states)) AND id > \(after)
                ORDER BY id LIMIT \(limit) FOR UPDATE
            """
    }

    /// The row change of an operator transition (its rule was checked).
    private static func applyOperatorUpdate(_ transition: OperatorTransition, _ connection: PostgresConnection, id: DeliveryID,
                                            nowMillis: Int64) async throws {
        switch transition {
        case .hold:
            try await connection.query("UPDATE deliveries SET state = 'held', due_ms = NULL, updated_ms = \(nowMillis) WHERE id = \(id)",
                                       logger: PostgresDatabase.quiet)
        case .release, .retry:
            try await markQueued(connection, id: id, nowMillis: nowMillis)
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
