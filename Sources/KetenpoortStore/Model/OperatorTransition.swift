import Foundation

/// An operator's change to deliveries (`queue retry`, `hold`, `release`): the states it starts from and its audit event.
public enum OperatorTransition: String, Sendable, CaseIterable {
    /// Make deferred or failed deliveries due now.
    case retry
    /// Keep queued or deferred deliveries from being dispatched.
    case hold
    /// Make held deliveries due again.
    case release

    /// The states the transition may start from.
    public var allowed: [DeliveryState] {
        switch self {
        case .retry: return [.deferred, .failed]
        case .hold: return [.queued, .deferred]
        case .release: return [.held]
        }
    }

    /// The past tense for reports (`retried`, `held`, `released`).
    public var done: String {
        switch self {
        case .retry: return "retried"
        case .hold: return "held"
        case .release: return "released"
        }
    }

    /// The rule every store checks before the change.
    package var rule: TransitionRule {
        switch self {
        case .retry: return TransitionRule(action: "retry", allowed: allowed, event: .deliveryRetryNow, leaseOwner: nil)
        case .hold: return TransitionRule(action: "hold", allowed: allowed, event: .deliveryHeld, leaseOwner: nil)
        case .release: return TransitionRule(action: "release", allowed: allowed, event: .deliveryReleased, leaseOwner: nil)
        }
    }

    /// The audit detail after `delivery=N ` for a change of `before` by `action`.
    package func auditDetail(_ before: DeliveryRecord, _ action: OperatorAction) -> String {
        switch self {
        case .retry, .hold: return "from=\(before.state.rawValue) reason=\(AuditText.quoted(action.reason))"
        case .release: return "reason=\(AuditText.quoted(action.reason))"
        }
    }
}

/// Which deliveries an operator transition takes: every delivery of one message (optionally only the one to a
/// partner), or in bulk those of a partner (or all partners) in the given states.
public struct DeliverySelection: Sendable, Equatable {
    /// One message's deliveries, or nil for a bulk selection.
    public var messageId: String?
    /// Only deliveries to this partner.
    public var partner: String?
    /// The states a bulk selection takes (intersected with what the transition allows); ignored for one message.
    public var states: [DeliveryState]
    /// A bulk page: only deliveries with a greater id (nil: from the first).
    public var after: DeliveryID?
    /// A bulk page: at most this many deliveries, the lowest ids first (nil: all).
    public var limit: Int?

    /// The page size operator tools use for bulk actions, so one transaction never holds the store's write lock for
    /// long (the daemon's writes wait behind it; on SQLite past its 10 s busy timeout they would fail).
    public static let bulkPageSize = 500

    /// Every delivery of `messageId` (to `partner` only, if given); all of them must be in an allowed state.
    public static func message(_ messageId: String, partner: String? = nil) -> DeliverySelection {
        DeliverySelection(messageId: messageId, partner: partner, states: [], after: nil, limit: nil)
    }

    /// The deliveries of `partner` (every partner if nil) that are in one of `states` when the transaction runs; with
    /// `after` and `limit`, one page of them in id order.
    public static func bulk(partner: String?, states: [DeliveryState], after: DeliveryID? = nil, limit: Int? = nil) -> DeliverySelection {
        DeliverySelection(messageId: nil, partner: partner, states: states, after: after, limit: limit.map { max(1, $0) })
    }
}

/// One delivery an operator transition changed: as it was, and as it is after the commit.
public struct DeliveryChange: Sendable, Equatable {
    /// The delivery before the change.
    public var before: DeliveryRecord
    /// The delivery after the change.
    public var after: DeliveryRecord

    /// A change from `before` to `after`.
    public init(before: DeliveryRecord, after: DeliveryRecord) {
        self.before = before
        self.after = after
    }
}

/// What an operator transition did: every selected delivery changed in one transaction, or none did.
public enum OperatorTransitionOutcome: Sendable, Equatable {
    /// Committed: these deliveries changed (empty when the selection was empty).
    case applied([DeliveryChange])
    /// One message's selection held deliveries the transition may not start from (these); nothing was changed.
    case refused(wrongState: [DeliveryRecord], selected: [DeliveryRecord])
}

extension OperatorTransitionOutcome {
    /// The changes, or empty when refused.
    public var changes: [DeliveryChange] {
        if case .applied(let changes) = self { return changes }
        return []
    }
}

extension DeliverySelection {
    /// Splits the deliveries a transaction selected (and locked) into the outcome: for one message, refused unless all
    /// are in an allowed state; in bulk, those in an allowed state (the query already filtered by state).
    package func check(_ selected: [DeliveryRecord], for transition: OperatorTransition) -> [DeliveryRecord]? {
        let wrong = selected.filter { !transition.allowed.contains($0.state) }
        return messageId != nil && !wrong.isEmpty ? wrong : nil
    }

    /// The states a bulk selection's query takes: the requested ones the transition allows.
    package func bulkStates(for transition: OperatorTransition) -> [DeliveryState] {
        states.filter { transition.allowed.contains($0) }
    }
}
