import Crypto
import Foundation
import GRDB

extension SQLiteStore {
    /// Marks a leased delivery delivered and stores the receipt.
    public func deliver(_ delivery: DeliveryID, owner: String, token: LeaseToken, receipt: Data, now: Date) async throws -> DeliveryRecord {
        let rule = TransitionRule.leased("deliver", event: .deliveryDelivered, owner: owner, token: token)
        let receiptDigest = Data(SHA256.hash(data: receipt)).hexString
        return try await transition(delivery, rule: rule, actor: .system, now: now) { db, before, nowMillis in
            try db.cachedStatement(
                sql: """
                    UPDATE deliveries SET state = 'delivered', due_ms = NULL, next_attempt_ms = NULL,
                        lease_expiry_ms = NULL, receipt = ?, updated_ms = ? WHERE id = ?
                    """).execute(
                arguments: [receipt, nowMillis, before.id])
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
        return try await transition(delivery, rule: rule, actor: .system, now: now) { db, before, nowMillis in
            try db.cachedStatement(
                sql: """
                    UPDATE deliveries SET state = 'deferred', due_ms = ?, next_attempt_ms = ?, lease_expiry_ms = NULL,
                        last_error_class = ?, last_error_text = ?, updated_ms = ? WHERE id = ?
                    """).execute(
                arguments: [untilMillis, untilMillis, errorClass.rawValue, text, nowMillis, before.id])
            return "attempt=\(before.attempts) until=\(untilMillis) error=\(errorClass.rawValue)" + receiptDetail + auditEndpoint(text)
        }
    }

    /// Fails a leased delivery permanently.
    public func fail(
        _ delivery: DeliveryID, owner: String, token: LeaseToken, errorClass: ErrorClass, errorText: String, now: Date
    ) async throws -> DeliveryRecord {
        let rule = TransitionRule.leased("fail", event: .deliveryFailed, owner: owner, token: token)
        let text = AuditText.clean(errorText)
        return try await transition(delivery, rule: rule, actor: .system, now: now) { db, before, nowMillis in
            try Self.markFailed(db, id: before.id, errorClass: errorClass, text: text, nowMillis: nowMillis)
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
        return try await transition(delivery, rule: rule, actor: .system, now: now) { db, before, nowMillis in
            try db.cachedStatement(
                sql: """
                    UPDATE deliveries SET state = 'failed', due_ms = NULL, next_attempt_ms = NULL, lease_expiry_ms = NULL,
                        last_error_class = ?, last_error_text = ?, receipt = ?, updated_ms = ? WHERE id = ?
                    """).execute(
                arguments: [ErrorClass.refused.rawValue, "refused by the partner: \(reasonText)", receipt, nowMillis, before.id])
            return "attempt=\(before.attempts) reason=\(AuditText.quoted(reasonText)) receipt-sha256=\(receiptDigest)"
        }
    }

    /// Gives an unfinished lease back; the delivery is queued and due now.
    public func returnLease(_ delivery: DeliveryID, owner: String, token: LeaseToken, now: Date) async throws -> DeliveryRecord {
        let rule = TransitionRule.leased("return the lease of", event: .deliveryLeaseReturned, owner: owner, token: token)
        return try await transition(delivery, rule: rule, actor: .system, now: now) { db, before, nowMillis in
            try Self.markQueued(db, id: before.id, nowMillis: nowMillis)
            return "attempt=\(before.attempts)"
        }
    }

    /// Start-up: queues a delivery, due now, that an earlier run of the daemon leased and can no longer be sending
    /// (the caller holds the state directory's exclusive lock).
    public func reclaimLease(_ delivery: DeliveryID, from owner: String, now: Date) async throws -> DeliveryRecord {
        let rule = TransitionRule(action: "reclaim the lease of", allowed: [.sending], event: .deliveryLeaseReturned, leaseOwner: owner)
        return try await transition(delivery, rule: rule, actor: .system, now: now) { db, before, nowMillis in
            try Self.markQueued(db, id: before.id, nowMillis: nowMillis)
            return "attempt=\(before.attempts) reclaimed-from=\(AuditText.quoted(owner)) reason=start-up"
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

    /// Operator: selects the deliveries and changes all of them (or, refused, none) in one write transaction.
    public func apply(_ transition: OperatorTransition, to selection: DeliverySelection, by action: OperatorAction, now: Date) async throws
        -> OperatorTransitionOutcome {
        try TransitionRule.validate(action)
        let nowMillis = now.millis
        let actor = AuditActor.operator(action.name)
        let (sql, arguments) = Self.selectionQuery(selection, transition: transition)
        return try await batchedWrite { db in
            let selected = try Row.fetchAll(db, sql: sql, arguments: arguments).map(RowDecoding.delivery)
            if let wrong = selection.check(selected, for: transition) {
                return .refused(wrongState: wrong, selected: selected)
            }
            var audit = try AuditAppender(db)
            var changes: [DeliveryChange] = []
            for before in selected {
                try transition.rule.check(before)
                try Self.applyOperatorUpdate(transition, db, id: before.id, nowMillis: nowMillis)
                try audit.append(
                    db, event: transition.rule.event, messageId: before.messageId, partner: before.partner, actor: actor,
                    detail: "delivery=\(before.id) " + transition.auditDetail(before, action), timeMillis: nowMillis)
                guard let after = try RowDecoding.fetchDelivery(db, id: before.id) else { throw StoreError.deliveryNotFound(before.id) }
                changes.append(DeliveryChange(before: before, after: after))
            }
            return .applied(changes)
        }
    }

    /// One operator transition of one delivery, through the rule and update the bulk form uses.
    private func operatorTransition(_ transition: OperatorTransition, _ delivery: DeliveryID, by action: OperatorAction, now: Date)
        async throws -> DeliveryRecord {
        try TransitionRule.validate(action)
        return try await self.transition(delivery, rule: transition.rule, actor: .operator(action.name), now: now) { db, before, nowMillis in
            try Self.applyOperatorUpdate(transition, db, id: before.id, nowMillis: nowMillis)
            return transition.auditDetail(before, action)
        }
    }

    /// The deliveries a selection takes, in id order: one message's (all states), or (a page of) a bulk selection's allowed states.
    private static func selectionQuery(_ selection: DeliverySelection, transition: OperatorTransition) -> (String, StatementArguments) {
        var conditions: [String] = []
        var arguments: [(any DatabaseValueConvertible)?] = []
        if let messageId = selection.messageId {
            conditions.append("message_id = ?")
            arguments.append(messageId)
        } else {
            let states = selection.bulkStates(for: transition)
            conditions.append(states.isEmpty ? "0" : "state IN (" + states.map { _ in "?" }.joined(separator: ", ") + ")")
            arguments += states.map(\.rawValue)
            if let after = selection.after {
                conditions.append("id > ?")
                arguments.append(after)
            }
        }
        if let partner = selection.partner {
            conditions.append("partner = ?")
            arguments.append(partner)
        }
        var sql = "SELECT \(RowDecoding.deliveryColumns) FROM deliveries WHERE " + conditions.joined(separator: " AND ") + " ORDER BY id"
        if selection.messageId == nil, let limit = selection.limit {
            sql += " LIMIT ?"
            arguments.append(limit)
        }
        return (sql, StatementArguments(arguments))
    }

    /// The row change of an operator transition (its rule was checked).
    private static func applyOperatorUpdate(_ transition: OperatorTransition, _ db: Database, id: DeliveryID, nowMillis: Int64) throws {
        switch transition {
        case .hold:
            try db.cachedStatement(sql: "UPDATE deliveries SET state = 'held', due_ms = NULL, updated_ms = ? WHERE id = ?")
                .execute(arguments: [nowMillis, id])
        case .release, .retry:
            try markQueued(db, id: id, nowMillis: nowMillis)
        }
    }

    /// Operator: fails a queued, deferred or held delivery permanently.
    public func fail(_ delivery: DeliveryID, by action: OperatorAction, now: Date) async throws -> DeliveryRecord {
        try TransitionRule.validate(action)
        let rule = TransitionRule(action: "fail", allowed: [.queued, .deferred, .held], event: .deliveryFailed, leaseOwner: nil)
        let text = AuditText.clean(action.reason)
        return try await transition(delivery, rule: rule, actor: .operator(action.name), now: now) { db, before, nowMillis in
            try Self.markFailed(db, id: before.id, errorClass: .operatorAction, text: text, nowMillis: nowMillis)
            return "from=\(before.state.rawValue) error=\(ErrorClass.operatorAction.rawValue) reason=\(AuditText.quoted(action.reason))"
        }
    }

    /// Checks the rule, applies `update` and appends the audit record, all in one transaction.
    private func transition(
        _ id: DeliveryID, rule: TransitionRule, actor: AuditActor, now: Date,
        update: @escaping @Sendable (Database, DeliveryRecord, Int64) throws -> String
    ) async throws -> DeliveryRecord {
        let nowMillis = now.millis
        return try await batchedWrite { db in
            guard let before = try RowDecoding.fetchDelivery(db, id: id) else {
                throw StoreError.deliveryNotFound(id)
            }
            try rule.check(before)
            let detail = try update(db, before, nowMillis)
            var audit = try AuditAppender(db)
            try audit.append(
                db, event: rule.event, messageId: before.messageId, partner: before.partner, actor: actor,
                detail: "delivery=\(id) " + detail, timeMillis: nowMillis)
            guard let after = try RowDecoding.fetchDelivery(db, id: id) else {
                throw StoreError.deliveryNotFound(id)
            }
            return after
        }
    }

    private static func markQueued(_ db: Database, id: DeliveryID, nowMillis: Int64) throws {
        try db.cachedStatement(
            sql: """
                UPDATE deliveries SET state = 'queued', due_ms = ?, next_attempt_ms = ?, lease_expiry_ms = NULL,
                    updated_ms = ? WHERE id = ?
                """).execute(
            arguments: [nowMillis, nowMillis, nowMillis, id])
    }

    private static func markFailed(_ db: Database, id: DeliveryID, errorClass: ErrorClass, text: String, nowMillis: Int64) throws {
        try db.cachedStatement(
            sql: """
                UPDATE deliveries SET state = 'failed', due_ms = NULL, next_attempt_ms = NULL, lease_expiry_ms = NULL,
                    last_error_class = ?, last_error_text = ?, updated_ms = ? WHERE id = ?
                """).execute(
            arguments: [errorClass.rawValue, text, nowMillis, id])
    }

}
