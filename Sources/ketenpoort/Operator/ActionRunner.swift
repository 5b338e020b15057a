import Foundation
import KetenpoortServer
import KetenpoortStore

/// Which deliveries an action targets: one message (optionally one partner of it), or in bulk.
struct ActionTarget {
    /// A message id, or nil for a bulk action.
    var messageId: String?
    /// Only deliveries to this partner.
    var partner: String?
    /// The states a bulk action selects (ignored for a single message, which must be entirely eligible).
    var bulkStates: [DeliveryState]
}

/// The outcome of an action: what changed, and what was skipped because it changed meanwhile.
struct ActionReport: Encodable {
    /// One delivery that changed or was skipped.
    struct Item: Encodable {
        var delivery_id: Int64
        var message_id: String
        var partner: String
        var from: String
        var to: String?
        var skipped_because: String?
    }

    var action: String
    var operator_name: String
    var changed: [Item] = []
    var skipped: [Item] = []
}

/// Selects deliveries, checks the rule for a single message before changing anything, then applies the action.
struct ActionRunner {
    /// The store to act on.
    let store: ConfiguredStore
    /// The transition.
    let action: QueueAction
    /// Who and why.
    let operatorAction: OperatorAction

    /// What the `queue retry/hold/release` commands share: open the store, apply `action` to `target`, print the report.
    static func perform(_ action: QueueAction, on target: ActionTarget, location: StoreLocationOptions,
                        operatorOptions: OperatorOptions, json: Bool) async throws {
        let operatorAction = try operatorOptions.action(for: action.rawValue)
        let store = try await location.open(access: .readWrite)
        defer { try? store.close() }
        let report = try await ActionRunner(store: store, action: action, operatorAction: operatorAction).run(target)
        try ActionOutput.print(report, json: json)
    }

    /// Runs the action; a single message that has a delivery in a wrong state is refused without any change.
    func run(_ target: ActionTarget, now: Date = Date()) async throws -> ActionReport {
        var report = ActionReport(action: action.rawValue, operator_name: operatorAction.name)
        let candidates: [DeliveryRecord]
        if let messageId = target.messageId {
            candidates = try await singleMessage(messageId, partner: target.partner)
        } else {
            candidates = try await store.allDeliveries(QueueFilter(partner: target.partner, states: target.bulkStates))
        }
        for delivery in candidates {
            let item = ActionReport.Item(delivery_id: delivery.id, message_id: delivery.messageId, partner: delivery.partner,
                                         from: delivery.state.rawValue)
            do {
                let after = try await action.apply(store, delivery: delivery.id, by: operatorAction, now: now)
                var changed = item
                changed.to = after.state.rawValue
                report.changed.append(changed)
            } catch let error as StoreError {
                guard target.messageId == nil, case .invalidTransition = error else { throw error }
                var skipped = item
                skipped.skipped_because = error.description
                report.skipped.append(skipped)
            }
        }
        return report
    }

    private func singleMessage(_ messageId: String, partner: String?) async throws -> [DeliveryRecord] {
        guard let status = try await store.status(messageId: messageId) else {
            throw OperatorFailure.refused("message \(messageId) is not in the store")
        }
        let deliveries = status.deliveries.filter { partner == nil || $0.partner == partner }
        guard !deliveries.isEmpty else {
            let partners = status.deliveries.map { $0.partner }.joined(separator: ", ")
            throw OperatorFailure.refused("message \(messageId) has no delivery to \(partner ?? "?") (its partners: \(partners))")
        }
        let wrong = deliveries.filter { !action.allowed.contains($0.state) }
        guard wrong.isEmpty else {
            let allowed = action.allowed.map(\.rawValue).joined(separator: " or ")
            let states = wrong.map { "delivery \($0.id) to \($0.partner) is \($0.state.rawValue)" }.joined(separator: "; ")
            throw OperatorFailure.refused(
                "refused to \(action.rawValue) message \(messageId): \(states); \(action.rawValue) is allowed only from \(allowed). Nothing was changed."
                    + (deliveries.count > 1 && wrong.count < deliveries.count ? " Use --partner to pick one delivery." : ""))
        }
        return deliveries
    }
}
