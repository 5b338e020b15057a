import Foundation
import KetenpoortStore
import Logging
import ServiceLifecycle

/// Leases due deliveries (urgent first) and hands them to the courier, within each partner's concurrency.
public final class Dispatcher: Service, Sendable {
    private let store: any MessageStore
    private let courier: Courier
    private let partners: [String: PartnerRoute]
    private let retry: DeliveryRetryPolicy
    private let owner: String
    private let logger: Logger
    private let metrics: GatewayMetrics
    private let signal = WakeSignal()
    private let slots: PartnerSlots
    private let leaseDuration: TimeInterval
    private let idlePoll: Duration

    /// Creates a dispatcher; `owner` names this process in leases.
    public init(store: any MessageStore, courier: Courier, partners: [PartnerRoute], retry: DeliveryRetryPolicy, owner: String,
                logger: Logger, metrics: GatewayMetrics, leaseDuration: TimeInterval = 120, idlePoll: Duration = .milliseconds(500)) {
        self.store = store
        self.courier = courier
        self.partners = Dictionary(partners.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        self.retry = retry
        self.owner = owner
        self.logger = logger
        self.metrics = metrics
        self.slots = PartnerSlots(limits: self.partners.mapValues(\.concurrency))
        self.leaseDuration = leaseDuration
        self.idlePoll = idlePoll
    }

    /// Wakes the dispatcher (a message was accepted, or an operator made something due).
    public func wake() {
        Task { await signal.wake() }
    }

    /// Dispatches until graceful shutdown, then lets in-flight deliveries finish (or returns their leases).
    public func run() async throws {
        let capacity = max(1, partners.values.reduce(0) { $0 + $1.concurrency })
        let state = DispatchState()
        await withGracefulShutdownHandler {
            // A discarding group: a plain task group keeps every finished child (and the payload it captured)
            // until its result is awaited, which grew the daemon's memory by the size of every delivery.
            await withDiscardingTaskGroup { group in
                while await !state.stopping {
                    let free = capacity - (await state.inFlight)
                    var leased: [LeasedDelivery] = []
                    if free > 0 {
                        do {
                            leased = try await store.lease(owner: owner, limit: min(free, 64), leaseDuration: leaseDuration, now: Date())
                        } catch {
                            logger.error("lease failed", metadata: ["error": "\(error)"])
                        }
                    }
                    for delivery in leased {
                        await state.started()
                        group.addTask {
                            await self.process(delivery, state: state)
                            await state.finished()
                            await self.signal.wake()
                        }
                    }
                    if leased.isEmpty || leased.count == free {
                        await signal.wait(timeout: idlePoll)
                    }
                }
            }
        } onGracefulShutdown: {
            Task {
                await state.stop()
                await self.signal.wake()
            }
        }
    }

    /// One delivery: courier, then the matching state transition in the store.
    private func process(_ leased: LeasedDelivery, state: DispatchState) async {
        let delivery = leased.delivery
        let metadata: Logger.Metadata = ["message_id": "\(delivery.messageId)", "kind": "\(leased.kind)", "partner": "\(delivery.partner)"]
        guard let partner = partners[delivery.partner] else {
            await transition(delivery, metadata) {
                try await self.store.fail(delivery.id, owner: self.owner, errorClass: ErrorClass(rawValue: "no-route"),
                                          errorText: "no partner '\(delivery.partner)' is configured", now: Date())
            }
            return
        }
        guard let payload = leased.payload else {
            await transition(delivery, metadata) {
                try await self.store.fail(delivery.id, owner: self.owner, errorClass: ErrorClass(rawValue: "purged"),
                                          errorText: "the payload was purged before delivery", now: Date())
            }
            return
        }
        await slots.acquire(partner.id)
        if await state.stopping {
            await slots.release(partner.id)
            await transition(delivery, metadata) { try await self.store.returnLease(delivery.id, owner: self.owner, now: Date()) }
            return
        }
        let outcome = await courier.deliver(payload, messageId: delivery.messageId, to: partner)
        await slots.release(partner.id)
        let now = Date()
        switch outcome {
        case .delivered(let receipt):
            metrics.deliveryAttempt(partner: partner.id, outcome: "delivered")
            metrics.deliveryLatency(partner: partner.id, seconds: now.timeIntervalSince(leased.receivedAt))
            await transition(delivery, metadata.merging(["outcome": "delivered"]) { $1 }) {
                try await self.store.deliver(delivery.id, owner: self.owner, receipt: receipt, now: now)
            }
        case .refused(let reason, let receipt):
            metrics.deliveryAttempt(partner: partner.id, outcome: "refused")
            await transition(delivery, metadata.merging(["outcome": "refused", "reason": "\(reason)"]) { $1 }) {
                try await self.store.refuse(delivery.id, owner: self.owner, receipt: receipt, reason: reason, now: now)
            }
        case .permanent(let errorClass, let text):
            metrics.deliveryAttempt(partner: partner.id, outcome: "failed")
            await transition(delivery, metadata.merging(["outcome": "failed", "error_class": "\(errorClass)"]) { $1 }) {
                try await self.store.fail(delivery.id, owner: self.owner, errorClass: ErrorClass(rawValue: errorClass), errorText: text, now: now)
            }
        case .retry(let errorClass, let text):
            let next = now.addingTimeInterval(retry.delay(afterAttempts: delivery.attempts + 1))
            if next.timeIntervalSince(leased.receivedAt) > retry.maxAge {
                metrics.deliveryAttempt(partner: partner.id, outcome: "failed")
                await transition(delivery, metadata.merging(["outcome": "expired", "error_class": "\(errorClass)"]) { $1 }) {
                    try await self.store.fail(delivery.id, owner: self.owner, errorClass: .expired,
                                              errorText: "given up after the maximum age; last error: \(text)", now: now)
                }
            } else {
                metrics.deliveryAttempt(partner: partner.id, outcome: "deferred")
                await transition(delivery, metadata.merging(["outcome": "deferred", "error_class": "\(errorClass)"]) { $1 }) {
                    try await self.store.deferDelivery(delivery.id, owner: self.owner, until: next, errorClass: ErrorClass(rawValue: errorClass),
                                                       errorText: text, now: now)
                }
            }
        }
    }

    private func transition(_ delivery: DeliveryRecord, _ metadata: Logger.Metadata,
                            _ body: @Sendable () async throws -> DeliveryRecord) async {
        do {
            let record = try await body()
            logger.info("delivery \(record.state.rawValue)", metadata: metadata.merging(["attempts": "\(record.attempts)"]) { $1 })
        } catch {
            logger.error("delivery transition failed", metadata: metadata.merging(["error": "\(error)"]) { $1 })
        }
    }
}

/// What the dispatch loop and its tasks share.
actor DispatchState {
    private(set) var stopping = false
    private(set) var inFlight = 0

    func stop() { stopping = true }
    func started() { inFlight += 1 }
    func finished() { inFlight -= 1 }
}
