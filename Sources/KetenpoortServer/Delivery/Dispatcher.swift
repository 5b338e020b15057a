import Foundation
import KetenpoortStore
import Logging
import NIOConcurrencyHelpers
import ServiceLifecycle

/// Leases due deliveries only for partners with a free slot (urgent first per partner) and sends each at once.
public final class Dispatcher: Service, Sendable {
    private let store: any MessageStore
    private let transport: any DeliveryTransport
    /// The partner routes in force by id, and how often they were replaced (a reload replaces them).
    private let routes: NIOLockedValueBox<(byId: [String: PartnerRoute], generation: Int)>
    private var partners: [String: PartnerRoute] { routes.withLockedValue { $0.byId } }
    private let retry: DeliveryRetryPolicy
    private let owner: String
    private let logger: Logger
    private let metrics: GatewayMetrics
    private let clock: any WallClock
    private let leaseDuration: TimeInterval
    private let idlePoll: Duration
    private let storeErrorDelay: Duration
    /// Woken when a message is accepted, a delivery finishes or shutdown begins.
    private let signal = WakeSignal()
    /// Woken only when shutdown begins (ends the pause after a store error).
    private let shutdownSignal = WakeSignal()
    /// How often the store is asked for partners that have deliveries but are not configured (to fail them as unroutable).
    private let unroutedCheckInterval: TimeInterval = 60
    /// Slots given to each partner that is not configured: its deliveries are only failed.
    private let unroutedSlots = 8

    /// Creates a dispatcher; `owner` names this run in leases (see ``LeaseOwner/forThisRun(host:pid:)``).
    ///
    /// `clock` gives the times written into leases and transitions; after a store error the loop pauses
    /// `storeErrorDelay`, doubling up to 32 times that while the errors go on.
    public init(store: any MessageStore, transport: any DeliveryTransport, partners: [PartnerRoute], retry: DeliveryRetryPolicy,
                owner: String, logger: Logger, metrics: GatewayMetrics, clock: any WallClock = SystemWallClock(),
                leaseDuration: TimeInterval = 120, idlePoll: Duration = .milliseconds(500), storeErrorDelay: Duration = .seconds(1)) {
        self.store = store
        self.transport = transport
        self.routes = NIOLockedValueBox((Self.byId(partners), 0))
        self.retry = retry
        self.owner = owner
        self.logger = logger
        self.metrics = metrics
        self.clock = clock
        self.leaseDuration = leaseDuration
        self.idlePoll = idlePoll
        self.storeErrorDelay = storeErrorDelay
    }

    /// Sends later deliveries by `partners` (endpoints, receipt signers, concurrency); deliveries in flight finish with
    /// the route they started with.
    public func replacePartners(_ partners: [PartnerRoute]) {
        routes.withLockedValue { $0 = (Self.byId(partners), $0.generation + 1) }
        wake()
    }

    private static func byId(_ partners: [PartnerRoute]) -> [String: PartnerRoute] {
        Dictionary(partners.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// Wakes the dispatcher (a message was accepted, or an operator made something due).
    public func wake() {
        Task { await signal.wake() }
    }

    /// Dispatches until graceful shutdown or cancellation. On graceful shutdown in-flight deliveries finish (or
    /// return their leases); on cancellation their sends are cancelled too and whatever comes back is recorded.
    public func run() async throws {
        let state = DispatchState()
        let signal = signal
        let shutdownSignal = shutdownSignal
        await withGracefulShutdownHandler {
            // A discarding group: a plain task group keeps every finished child (and the payload it captured)
            // until its result is awaited, which grew the daemon's memory by the size of every delivery.
            await withDiscardingTaskGroup { group in
                var limits: [String: Int] = [:]
                var unroutedCheckedAt: Date?
                var routesSeen = -1
                var pause = storeErrorDelay
                while !Task.isCancelled, await !state.stopping {
                    let routesNow = routes.withLockedValue { $0.generation }
                    if routesNow != routesSeen || unroutedCheckedAt.map({ clock.now().timeIntervalSince($0) >= unroutedCheckInterval }) ?? true {
                        unroutedCheckedAt = clock.now()
                        routesSeen = routesNow
                        limits = await limitsWithUnroutedPartners()
                    }
                    let free = await state.freeSlots(limits: limits)
                    if free.isEmpty {
                        await signal.wait(timeout: idlePoll)
                        continue
                    }
                    let leased: [LeasedDelivery]
                    do {
                        leased = try await store.lease(owner: owner, freeSlots: free, leaseDuration: leaseDuration, now: clock.now())
                        pause = storeErrorDelay
                    } catch {
                        logger.error("lease failed; pausing before the next try",
                                     metadata: ["error": "\(error)", "pause": "\(pause)"])
                        await shutdownSignal.wait(timeout: pause)
                        pause = min(pause * 2, storeErrorDelay * 32)
                        continue
                    }
                    for delivery in leased {
                        let partner = delivery.delivery.partner
                        await state.started(partner)
                        group.addTask {
                            await self.process(delivery, state: state)
                            await state.finished(partner)
                            await signal.wake()
                        }
                    }
                    // Every partner now either has no free slot or had nothing more due: wait for a change.
                    await signal.wait(timeout: idlePoll)
                }
            }
        } onGracefulShutdown: {
            Task {
                await state.stop()
                await signal.wake()
                await shutdownSignal.wake()
            }
        }
    }

    /// The configured partners' concurrency, plus a few slots for partners with deliveries but no configuration.
    private func limitsWithUnroutedPartners() async -> [String: Int] {
        var limits = partners.mapValues(\.concurrency)
        do {
            let active: Set<DeliveryState> = [.queued, .deferred, .sending]
            for count in try await store.countsByPartnerAndState() where active.contains(count.state) && count.count > 0 {
                if limits[count.partner] == nil { limits[count.partner] = unroutedSlots }
            }
        } catch {
            logger.error("cannot count deliveries per partner; unconfigured partners are looked for later", metadata: ["error": "\(error)"])
        }
        return limits
    }

    /// One delivery: transport, then the matching state transition in the store, fenced by the lease's token.
    private func process(_ leased: LeasedDelivery, state: DispatchState) async {
        let delivery = leased.delivery
        let metadata: Logger.Metadata = ["message_id": "\(delivery.messageId)", "kind": "\(leased.kind)", "partner": "\(delivery.partner)",
                                         "lease": "\(leased.token)"]
        guard let partner = partners[delivery.partner] else {
            await fail(leased, .noRoute, "no partner '\(delivery.partner)' is configured", metadata)
            return
        }
        let payload: Data
        switch leased.content {
        case .available(let data):
            payload = data
        case .purged:
            await fail(leased, .purged, "the payload was purged before delivery", metadata)
            return
        case .unreadable(let reason):
            // This delivery only: the rest of the leased batch goes on.
            await fail(leased, .payloadUnreadable, reason, metadata)
            return
        }
        if await state.stopping || Task.isCancelled {
            await transition(metadata.merging(["outcome": "lease-returned"]) { $1 }) {
                try await self.store.returnLease(delivery.id, owner: self.owner, token: leased.token, now: self.clock.now())
            }
            return
        }
        let outcome = await transport.deliver(payload, messageId: delivery.messageId, to: partner)
        let now = clock.now()
        switch outcome {
        case .delivered(let receipt):
            metrics.deliveryAttempt(partner: partner.id, outcome: "delivered")
            metrics.deliveryLatency(partner: partner.id, seconds: now.timeIntervalSince(leased.receivedAt))
            await transition(metadata.merging(["outcome": "delivered"]) { $1 }) {
                try await self.store.deliver(delivery.id, owner: self.owner, token: leased.token, receipt: receipt, now: now)
            }
        case .refused(let reason, let receipt):
            metrics.deliveryAttempt(partner: partner.id, outcome: "refused")
            await transition(metadata.merging(["outcome": "refused", "reason": "\(reason)"]) { $1 }) {
                try await self.store.refuse(delivery.id, owner: self.owner, token: leased.token, receipt: receipt, reason: reason, now: now)
            }
        case .permanent(let errorClass, let text):
            await fail(leased, ErrorClass(rawValue: errorClass), text, metadata, now: now)
        case .retry(let errorClass, let text):
            if Task.isCancelled {
                // The send was cut short by us, not by the partner: due again at once for the next run.
                await transition(metadata.merging(["outcome": "lease-returned"]) { $1 }) {
                    try await self.store.returnLease(delivery.id, owner: self.owner, token: leased.token, now: now)
                }
                return
            }
            await retryLater(leased, ErrorClass(rawValue: errorClass), text, receipt: nil, metadata, now: now)
        case .tryLater(let receipt):
            await retryLater(leased, .tryLater, "the partner answered tijdelijk-niet-verwerkbaar", receipt: receipt, metadata, now: now)
        }
    }

    /// Defers the delivery with backoff, or fails it as expired once the next try would pass the maximum age.
    private func retryLater(_ leased: LeasedDelivery, _ errorClass: ErrorClass, _ text: String, receipt: Data?,
                            _ metadata: Logger.Metadata, now: Date) async {
        let delivery = leased.delivery
        // `attempts` already counts this attempt: the first failure waits the initial delay.
        let next = now.addingTimeInterval(retry.delay(afterAttempts: delivery.attempts))
        if next.timeIntervalSince(leased.receivedAt) > retry.maxAge {
            metrics.deliveryAttempt(partner: delivery.partner, outcome: "failed")
            await transition(metadata.merging(["outcome": "expired", "error_class": "\(errorClass.rawValue)", "error_text": "\(text)"]) { $1 }) {
                try await self.store.fail(delivery.id, owner: self.owner, token: leased.token, errorClass: .expired,
                                          errorText: "given up after the maximum age; last error: \(text)", now: now)
            }
        } else {
            metrics.deliveryAttempt(partner: delivery.partner, outcome: "deferred")
            await transition(metadata.merging(["outcome": "deferred", "error_class": "\(errorClass.rawValue)", "error_text": "\(text)"]) { $1 }) {
                try await self.store.deferDelivery(delivery.id, owner: self.owner, token: leased.token, until: next, errorClass: errorClass,
                                                   errorText: text, receipt: receipt, now: now)
            }
        }
    }

    /// Fails the delivery permanently with `errorClass`.
    private func fail(_ leased: LeasedDelivery, _ errorClass: ErrorClass, _ text: String, _ metadata: Logger.Metadata,
                      now: Date? = nil) async {
        let delivery = leased.delivery
        metrics.deliveryAttempt(partner: delivery.partner, outcome: "failed")
        await transition(metadata.merging(["outcome": "failed", "error_class": "\(errorClass.rawValue)", "error_text": "\(text)"]) { $1 }) {
            try await self.store.fail(delivery.id, owner: self.owner, token: leased.token, errorClass: errorClass, errorText: text,
                                      now: now ?? self.clock.now())
        }
    }

    /// Runs one store transition and logs it; a lost lease (a newer lease took over) is a warning, not a failure.
    ///
    /// While the database is unavailable the outcome is tried again (pausing as the lease loop does) until the lease
    /// would have expired: the partner's answer is recorded as soon as the database is back, not after the lease.
    private func transition(_ metadata: Logger.Metadata, _ body: @Sendable () async throws -> DeliveryRecord) async {
        let giveUp = ContinuousClock.now.advanced(by: .milliseconds(Int64(leaseDuration * 1000)))
        var pause = storeErrorDelay
        do {
            var record: DeliveryRecord?
            while record == nil {
                do {
                    record = try await body()
                } catch StoreError.unavailable(let reason) where ContinuousClock.now.advanced(by: pause) < giveUp {
                    logger.warning("delivery outcome not recorded yet: the database is unavailable; trying again",
                                   metadata: metadata.merging(["reason": "\(reason)", "pause": "\(pause)"]) { $1 })
                    do { try await Task.sleep(for: pause) } catch { break }
                    pause = min(pause * 2, storeErrorDelay * 8)
                }
            }
            if let record {
                logger.info("delivery \(record.state.rawValue)", metadata: metadata.merging(["attempts": "\(record.attempts)"]) { $1 })
            }
        } catch let error as StoreError {
            if case .leaseNotHeld = error {
                logger.warning("lease lost; this outcome is not recorded", metadata: metadata.merging(["error": "\(error)"]) { $1 })
            } else {
                logger.error("delivery transition failed", metadata: metadata.merging(["error": "\(error)"]) { $1 })
            }
        } catch {
            logger.error("delivery transition failed", metadata: metadata.merging(["error": "\(error)"]) { $1 })
        }
    }
}
