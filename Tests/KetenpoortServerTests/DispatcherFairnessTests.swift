import Foundation
import KetenpoortServer
import KetenpoortStore
import KetenpoortTesting
import XCTest

/// A dispatcher on a real SQLite store in a temporary directory, with a scripted transport and a manual clock.
struct DispatcherRig {
    let temporary: TemporaryStore
    let transport = ScriptedTransport()
    let clock: ManualClock
    let logs = LogRecorder()
    let dispatcher: Dispatcher
    var store: SQLiteStore { temporary.store }

    /// `partners` maps partner ids to their concurrency. Retry: 5 s initial delay, no jitter.
    init(partners: [String: Int], temporary: TemporaryStore? = nil, store: (any MessageStore)? = nil, clock: ManualClock = ManualClock(),
         owner: String = "test-host/1/0000abcd", leaseDuration: TimeInterval = 120, storeErrorDelay: Duration = .seconds(1)) throws {
        let temporary = try temporary ?? TemporaryStore()
        self.temporary = temporary
        self.clock = clock
        let routes = partners.map { PartnerRoute(id: $0.key, endpoint: "https://\($0.key).invalid/v1/berichten", receiptSigners: [],
                                                 concurrency: $0.value) }
        let retry = DeliveryRetryPolicy(.init(initialDelaySeconds: 5, maxDelaySeconds: 600, maxAgeHours: 72, jitter: 0))
        dispatcher = Dispatcher(store: store ?? temporary.store, transport: transport, partners: routes, retry: retry, owner: owner,
                                logger: logs.logger(label: "dispatcher"), metrics: GatewayMetrics(), clock: clock,
                                leaseDuration: leaseDuration, idlePoll: .seconds(10), storeErrorDelay: storeErrorDelay)
    }

    /// Runs the dispatcher until the task is cancelled (or the dispatcher returns).
    func start() -> Task<Void, any Error> {
        let dispatcher = dispatcher
        return Task { try await dispatcher.run() }
    }

    /// Accepts `count` messages for `partner`, in order, the last received `age` seconds before the clock's time (all due now).
    @discardableResult
    func accept(_ count: Int, for partner: String, age: TimeInterval = 0) async throws -> [String] {
        var ids: [String] = []
        for index in 0..<count {
            ids.append(try await temporary.accept(partners: [partner], receivedAt: clock.now().addingTimeInterval(-age - Double(count - index) / 1000)))
        }
        return ids
    }

    /// Cancels the dispatcher and waits for it to return.
    func stop(_ task: Task<Void, any Error>) async throws {
        task.cancel()
        _ = try await waitForCompletion(of: task, "the dispatcher to end after cancellation")
    }
}

/// One stalled partner cannot take the capacity of the others: it holds only its own slots.
final class DispatcherFairnessTests: XCTestCase {
    func testAStalledPartnerHoldsOnlyItsSlotsWhileTheOtherDeliversEverything() async throws {
        let rig = try DispatcherRig(partners: ["slow": 2, "fast": 2])
        defer { rig.temporary.remove() }
        // The stalled partner's deliveries are older, so leasing by age alone would pick them first.
        try await rig.accept(10, for: "slow", age: 600)
        try await rig.accept(10, for: "fast")
        await rig.transport.stall("slow")
        let run = rig.start()

        let fastAnswered = await rig.transport.waitForAnswers(10, partner: "fast")
        XCTAssertTrue(fastAnswered, "the other partner's deliveries must all go through")
        try await waitUntil("every delivery of the other partner recorded as delivered") {
            try await rig.temporary.deliveries(of: "fast", in: .delivered).count == 10
        }
        let slowStalled = await rig.transport.waitForStalled(2, partner: "slow")
        XCTAssertTrue(slowStalled)
        let sending = try await rig.temporary.deliveries(of: "slow", in: .sending)
        let queued = try await rig.temporary.deliveries(of: "slow", in: .queued)
        XCTAssertEqual(sending.count, 2, "the stalled partner holds exactly its slot count of leases")
        XCTAssertEqual(queued.count, 8)
        XCTAssertTrue(queued.allSatisfy { $0.attempts == 0 }, "the rest of its deliveries were never leased")
        let slowCalls = await rig.transport.callCount("slow")
        XCTAssertEqual(slowCalls, 2)

        // Once the partner answers again, its backlog drains.
        await rig.transport.release("slow")
        try await waitUntil("the stalled partner's backlog delivered") {
            try await rig.temporary.deliveries(of: "slow", in: .delivered).count == 10
        }
        try await rig.stop(run)
    }

    func testNoDeliveryOfAFullPartnerIsLeasedSoNoLeaseExpiresWhileWaiting() async throws {
        let rig = try DispatcherRig(partners: ["slow": 1, "fast": 1])
        defer { rig.temporary.remove() }
        let slowIds = try await rig.accept(3, for: "slow")
        await rig.transport.stall("slow")
        let run = rig.start()
        let stalled = await rig.transport.waitForStalled(1, partner: "slow")
        XCTAssertTrue(stalled)

        // Several lease rounds go by while the slow partner is full: the fast partner's deliveries each need one.
        try await rig.accept(3, for: "fast")
        rig.dispatcher.wake()
        try await waitUntil("the other partner's deliveries delivered") {
            try await rig.temporary.deliveries(of: "fast", in: .delivered).count == 3
        }
        let slow = try await rig.temporary.deliveries(of: "slow")
        XCTAssertEqual(slow.filter { $0.state == .sending }.count, 1)
        let waiting = slow.filter { $0.state != .sending }
        XCTAssertEqual(waiting.count, 2)
        XCTAssertTrue(waiting.allSatisfy { $0.state == .queued && $0.attempts == 0 && $0.leaseOwner == nil },
                      "a delivery of a partner without a free slot must not be leased")
        for id in slowIds where waiting.contains(where: { $0.messageId == id }) {
            let events = try await rig.store.auditTrail(messageId: id).map(\.event)
            XCTAssertFalse(events.contains(AuditEvent.deliveryLeased.rawValue))
        }
        try await rig.stop(run)
    }
}
