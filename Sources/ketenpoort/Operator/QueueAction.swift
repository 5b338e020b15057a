import Foundation
import KetenpoortStore

/// An operator transition on deliveries: which states it starts from and which store call performs it.
enum QueueAction: String, Sendable {
    /// Make deferred or failed deliveries due now.
    case retry
    /// Keep queued or deferred deliveries from being dispatched.
    case hold
    /// Make held deliveries due again.
    case release

    /// The states the store allows this action from.
    var allowed: [DeliveryState] {
        switch self {
        case .retry: return [.deferred, .failed]
        case .hold: return [.queued, .deferred]
        case .release: return [.held]
        }
    }

    /// The past tense for reports (`retried`, `held`, `released`).
    var done: String {
        switch self {
        case .retry: return "retried"
        case .hold: return "held"
        case .release: return "released"
        }
    }

    /// Performs the transition in the store (audited there, with the operator and reason).
    func apply(_ store: any MessageStore, delivery: DeliveryID, by action: OperatorAction, now: Date) async throws -> DeliveryRecord {
        switch self {
        case .retry: return try await store.retryNow(delivery, by: action, now: now)
        case .hold: return try await store.hold(delivery, by: action, now: now)
        case .release: return try await store.release(delivery, by: action, now: now)
        }
    }
}
