import Foundation
import KetenpoortStore

/// Which deliveries a queue action targets: one message (optionally one partner of it), or in bulk.
public struct ActionTarget: Sendable, Equatable {
    /// A message id, or nil for a bulk action.
    public var messageId: String?
    /// Only deliveries to this partner.
    public var partner: String?
    /// The states a bulk action selects (ignored for a single message, which must be entirely eligible).
    public var bulkStates: [DeliveryState]

    /// A target; `bulkStates` matter only without a message id.
    public init(messageId: String?, partner: String?, bulkStates: [DeliveryState]) {
        self.messageId = messageId
        self.partner = partner
        self.bulkStates = bulkStates
    }
}

/// The outcome of a queue action: the deliveries it changed.
public struct ActionReport: Encodable, Sendable, Equatable {
    /// One delivery that changed.
    public struct Item: Encodable, Sendable, Equatable {
        public var delivery_id: Int64
        public var message_id: String
        public var partner: String
        public var from: String
        public var to: String
    }

    /// `retry`, `hold` or `release`.
    public var action: String
    /// Who did it (as audited).
    public var operator_name: String
    /// The deliveries changed.
    public var changed: [Item] = []
}

/// Runs `queue retry/hold/release`: one message in one transaction, a bulk action in bounded pages of one transaction each.
public struct QueueActionRunner: Sendable {
    /// The store to act on.
    public let store: any GatewayStore
    /// The transition.
    public let transition: OperatorTransition
    /// Who and why.
    public let operatorAction: OperatorAction

    /// A runner of `transition` on `store` by `operatorAction`.
    public init(store: any GatewayStore, transition: OperatorTransition, operatorAction: OperatorAction) {
        self.store = store
        self.transition = transition
        self.operatorAction = operatorAction
    }

    /// Runs the action. A single message with a delivery the transition may not start from (at the moment of the
    /// transaction) is refused and nothing changes: its deliveries change in one transaction. A bulk action changes
    /// what is in the selected states then, in pages of ``DeliverySelection/bulkPageSize`` deliveries, one transaction
    /// each, so the daemon's own writes never wait behind one long operator transaction.
    public func run(_ target: ActionTarget, now: Date = Date()) async throws -> ActionReport {
        guard let messageId = target.messageId else {
            return try await runBulk(target, now: now)
        }
        let outcome = try await store.apply(transition, to: .message(messageId, partner: target.partner), by: operatorAction, now: now)
        switch outcome {
        case .refused(let wrong, let selected):
            throw OperatorFailure.refused(refusal(messageId, wrong: wrong, selected: selected))
        case .applied(let changes):
            if changes.isEmpty {
                throw try await nothingSelected(messageId, partner: target.partner)
            }
            return report(changes.map(item))
        }
    }

    /// A bulk action, page by page in id order; each delivery is looked at once, in the state it has when its page runs.
    private func runBulk(_ target: ActionTarget, now: Date) async throws -> ActionReport {
        var items: [ActionReport.Item] = []
        var after: DeliveryID?
        while true {
            try Task.checkCancellation()
            let page = DeliverySelection.bulk(partner: target.partner, states: target.bulkStates, after: after,
                                              limit: DeliverySelection.bulkPageSize)
            let changes: [DeliveryChange]
            do {
                changes = try await store.apply(transition, to: page, by: operatorAction, now: now).changes
            } catch where !items.isEmpty {
                // The pages before this one are committed; say so, or the operator would think nothing changed.
                let code = (error as? StoreError).map(OperatorExit.code(for:)) ?? OperatorExit.usage
                throw OperatorFailure(description: "\(items.count) deliveries were \(transition.done) (audited) before the action "
                                      + "stopped: \(error); run it again to finish", exitCode: code)
            }
            items += changes.map(item)
            guard changes.count == DeliverySelection.bulkPageSize, let last = changes.last else { break }
            after = last.before.id
        }
        return report(items)
    }

    private func item(_ change: DeliveryChange) -> ActionReport.Item {
        ActionReport.Item(delivery_id: change.before.id, message_id: change.before.messageId, partner: change.before.partner,
                          from: change.before.state.rawValue, to: change.after.state.rawValue)
    }

    private func report(_ items: [ActionReport.Item]) -> ActionReport {
        ActionReport(action: transition.rawValue, operator_name: operatorAction.name, changed: items)
    }

    /// Why one message was refused: which deliveries are in which state, and what the action allows.
    private func refusal(_ messageId: String, wrong: [DeliveryRecord], selected: [DeliveryRecord]) -> String {
        let allowed = transition.allowed.map(\.rawValue).joined(separator: " or ")
        let states = wrong.map { "delivery \($0.id) to \($0.partner) is \($0.state.rawValue)" }.joined(separator: "; ")
        let pick = selected.count > 1 && wrong.count < selected.count ? " Use --partner to pick one delivery." : ""
        return "refused to \(transition.rawValue) message \(messageId): \(states); \(transition.rawValue) is allowed only from \(allowed). "
            + "Nothing was changed." + pick
    }

    /// The refusal when a message's selection was empty: the message is unknown, or has no delivery to the partner.
    private func nothingSelected(_ messageId: String, partner: String?) async throws -> OperatorFailure {
        guard let status = try await store.status(messageId: messageId) else {
            return .refused("message \(messageId) is not in the store")
        }
        let partners = status.deliveries.map(\.partner).joined(separator: ", ")
        return .refused("message \(messageId) has no delivery to \(partner ?? "?") (its partners: \(partners))")
    }
}
