import Foundation
import KetenpoortServer

/// A delivery transport whose answers tests script per partner: a standing answer, one-off answers, or a stall
/// that holds every call until released (or cancelled). It counts calls and lets tests wait for them.
public actor ScriptedTransport: DeliveryTransport {
    /// One call of ``deliver(_:messageId:to:)``.
    public struct Call: Sendable, Equatable {
        /// The partner id.
        public let partner: String
        /// The delivered message's id.
        public let messageId: String
    }

    /// What a test can wait for.
    private enum Condition: Sendable {
        case calls(partner: String, count: Int)
        case stalled(partner: String, count: Int)
        case answered(partner: String, count: Int)
    }

    private var standing: [String: CourierOutcome] = [:]
    private var oneOff: [String: [CourierOutcome]] = [:]
    private var stalledPartners: Set<String> = []
    private var held: [String: [(id: Int, continuation: CheckedContinuation<Void, Never>)]] = [:]
    private var nextHoldId = 0
    private var waiters: [(id: Int, condition: Condition, continuation: CheckedContinuation<Bool, Never>)] = []
    private var nextWaiterId = 0
    /// Every call so far, in order.
    public private(set) var calls: [Call] = []
    private var answeredCount: [String: Int] = [:]

    /// Creates a transport that answers every call with a receipt (see ``receipt(for:)``).
    public init() {}

    /// The receipt bytes the default answer carries for `messageId`.
    public static func receipt(for messageId: String) -> Data {
        Data("receipt of \(messageId)".utf8)
    }

    /// Answers every later call for `partner` with `outcome` (after any one-off answers).
    public func answer(_ outcome: CourierOutcome, for partner: String) {
        standing[partner] = outcome
    }

    /// Answers the next calls for `partner` with `outcomes`, one each, before the standing answer.
    public func answerOnce(_ outcomes: [CourierOutcome], for partner: String) {
        oneOff[partner, default: []] += outcomes
    }

    /// Holds every later call for `partner` until ``release(_:)``.
    public func stall(_ partner: String) {
        stalledPartners.insert(partner)
    }

    /// Stops stalling `partner` and lets its held calls go on.
    public func release(_ partner: String) {
        stalledPartners.remove(partner)
        let waiting = held.removeValue(forKey: partner) ?? []
        for hold in waiting { hold.continuation.resume() }
        checkWaiters()
    }

    /// How many calls `partner` received.
    public func callCount(_ partner: String) -> Int {
        calls.filter { $0.partner == partner }.count
    }

    /// How many calls of `partner` are held by a stall now.
    public func stalledCount(_ partner: String) -> Int {
        held[partner]?.count ?? 0
    }

    /// How many calls of `partner` have returned an answer.
    public func answered(_ partner: String) -> Int {
        answeredCount[partner, default: 0]
    }

    /// Waits until `partner` has received at least `count` calls; false after `timeout` seconds.
    @discardableResult
    public func waitForCalls(_ count: Int, partner: String, timeout: Double = 30) async -> Bool {
        await wait(for: .calls(partner: partner, count: count), timeout: timeout)
    }

    /// Waits until at least `count` calls of `partner` are held by a stall; false after `timeout` seconds.
    @discardableResult
    public func waitForStalled(_ count: Int, partner: String, timeout: Double = 30) async -> Bool {
        await wait(for: .stalled(partner: partner, count: count), timeout: timeout)
    }

    /// Waits until at least `count` calls of `partner` have returned; false after `timeout` seconds.
    @discardableResult
    public func waitForAnswers(_ count: Int, partner: String, timeout: Double = 30) async -> Bool {
        await wait(for: .answered(partner: partner, count: count), timeout: timeout)
    }

    /// Records the call, holds it while its partner is stalled, then answers as scripted.
    public func deliver(_ payload: Data, messageId: String, to partner: PartnerRoute) async -> CourierOutcome {
        calls.append(Call(partner: partner.id, messageId: messageId))
        checkWaiters()
        if stalledPartners.contains(partner.id) {
            nextHoldId += 1
            let id = nextHoldId
            await withTaskCancellationHandler {
                await withCheckedContinuation { continuation in
                    if Task.isCancelled {
                        continuation.resume()
                    } else {
                        held[partner.id, default: []].append((id, continuation))
                        checkWaiters()
                    }
                }
            } onCancel: {
                Task { await self.cancelHold(id, partner: partner.id) }
            }
            if Task.isCancelled {
                return .retry(errorClass: "connection", text: "the send was cancelled")
            }
        }
        let outcome: CourierOutcome
        if var queue = oneOff[partner.id], !queue.isEmpty {
            outcome = queue.removeFirst()
            oneOff[partner.id] = queue
        } else {
            outcome = standing[partner.id] ?? .delivered(receipt: Self.receipt(for: messageId))
        }
        answeredCount[partner.id, default: 0] += 1
        checkWaiters()
        return outcome
    }

    private func cancelHold(_ id: Int, partner: String) {
        guard var waiting = held[partner], let index = waiting.firstIndex(where: { $0.id == id }) else { return }
        let hold = waiting.remove(at: index)
        held[partner] = waiting
        hold.continuation.resume()
    }

    private func holds(_ condition: Condition) -> Bool {
        switch condition {
        case .calls(let partner, let count): return callCount(partner) >= count
        case .stalled(let partner, let count): return stalledCount(partner) >= count
        case .answered(let partner, let count): return answered(partner) >= count
        }
    }

    private func wait(for condition: Condition, timeout: Double) async -> Bool {
        if holds(condition) { return true }
        nextWaiterId += 1
        let id = nextWaiterId
        let timer = Task { [weak self] in
            try? await Task.sleep(for: .milliseconds(Int64(timeout * 1000)))
            await self?.expire(id)
        }
        let met = await withCheckedContinuation { continuation in
            waiters.append((id, condition, continuation))
        }
        timer.cancel()
        return met
    }

    private func expire(_ id: Int) {
        guard let index = waiters.firstIndex(where: { $0.id == id }) else { return }
        let waiter = waiters.remove(at: index)
        waiter.continuation.resume(returning: holds(waiter.condition))
    }

    private func checkWaiters() {
        var still: [(id: Int, condition: Condition, continuation: CheckedContinuation<Bool, Never>)] = []
        for waiter in waiters {
            if holds(waiter.condition) {
                waiter.continuation.resume(returning: true)
            } else {
                still.append(waiter)
            }
        }
        waiters = still
    }
}
