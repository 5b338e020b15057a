import Foundation
import KetenpoortStore
import XCTest

/// Delivery transitions: which are allowed from which state, lease order, expiry, fencing, counts and paging.
struct TransitionSuite {
    let fixture: StoreFixture
    private let owner = "courier-1"

    init(fixture: StoreFixture) { self.fixture = fixture }

    /// Accepts a message for `partner` and drives its one delivery into `state`; returns the delivery id.
    private func delivery(in state: DeliveryState, store: ConformanceStore, id: String, partner: String = "SHN") async throws -> DeliveryID {
        _ = try await store.accept(makeMessage(id: id), recipients: [partner])
        guard let delivery = try await store.listDeliveries(DeliveryFilter(messageId: id), after: nil, limit: 1).first else {
            throw StoreError.messageNotFound(messageId: id)
        }
        let now = testEpoch
        switch state {
        case .queued:
            break
        case .held:
            _ = try await store.hold(delivery.id, by: anOperator, now: now)
        case .sending, .delivered, .deferred, .failed:
            let leased = try await store.lease(owner: owner, freeSlots: [partner: 1], leaseDuration: 60, now: now)
            XCTAssertEqual(leased.map(\.delivery.id), [delivery.id])
            let token = try XCTUnwrap(leased.first?.token)
            switch state {
            case .delivered: _ = try await store.deliver(delivery.id, owner: owner, token: token, receipt: Data("receipt".utf8), now: now)
            case .deferred:
                _ = try await store.deferDelivery(
                    delivery.id, owner: owner, token: token, until: now.addingTimeInterval(300), errorClass: .timeout,
                    errorText: "no answer in 30 s", now: now)
            case .failed:
                _ = try await store.fail(delivery.id, owner: owner, token: token, errorClass: .refused, errorText: "refused", now: now)
            default: break
            }
        }
        let current = try await store.delivery(delivery.id)
        XCTAssertEqual(current?.state, state)
        return delivery.id
    }

    /// A transition under test: the store, the delivery and the delivery's latest lease token.
    private typealias Action = @Sendable (ConformanceStore, DeliveryID, LeaseToken) async throws -> DeliveryRecord

    func everyTransitionFromEveryState() async throws {
        let store = try await fixture.open()
        let owner = self.owner
        let now = testEpoch.addingTimeInterval(1)
        let actions: [(name: String, allowed: [DeliveryState: DeliveryState], run: Action)] = [
            ("deliver", [.sending: .delivered], { try await $0.deliver($1, owner: owner, token: $2, receipt: Data("r".utf8), now: now) }),
            ("defer", [.sending: .deferred], {
                try await $0.deferDelivery($1, owner: owner, token: $2, until: now.addingTimeInterval(60), errorClass: .httpRetryable,
                                           errorText: "HTTP 503", now: now)
            }),
            ("fail", [.sending: .failed], {
                try await $0.fail($1, owner: owner, token: $2, errorClass: .refused, errorText: "refused", now: now)
            }),
            ("refuse", [.sending: .failed], {
                try await $0.refuse($1, owner: owner, token: $2, receipt: Data("r".utf8), reason: "overig", now: now)
            }),
            ("return the lease of", [.sending: .queued], { try await $0.returnLease($1, owner: owner, token: $2, now: now) }),
            ("hold", [.queued: .held, .deferred: .held], { store, id, _ in try await store.hold(id, by: anOperator, now: now) }),
            ("release", [.held: .queued], { store, id, _ in try await store.release(id, by: anOperator, now: now) }),
            ("retry", [.deferred: .queued, .failed: .queued], { store, id, _ in try await store.retryNow(id, by: anOperator, now: now) }),
            ("fail", [.queued: .failed, .deferred: .failed, .held: .failed], { store, id, _ in try await store.fail(id, by: anOperator, now: now) }),
        ]
        var counter = 0
        for (index, action) in actions.enumerated() {
            for state in DeliveryState.allCases {
                counter += 1
                // One store for every case: each case has a partner of its own, so leases never pick another case's delivery.
                let id = try await delivery(in: state, store: store, id: "T-\(index)-\(state.rawValue)", partner: "P-\(counter)")
                let headBefore = try await store.lastAuditSequence()
                let token = LeaseToken(rawValue: Int64(try await store.delivery(id)?.attempts ?? 0))
                if let expected = action.allowed[state] {
                    let after = try await action.run(store, id, token)
                    XCTAssertEqual(after.state, expected, "\(action.name) from \(state)")
                    let trail = try await store.auditTrail(messageId: "T-\(index)-\(state.rawValue)")
                    XCTAssertEqual(trail.last?.sequence, headBefore + 1, "\(action.name) from \(state) must be audited")
                    XCTAssertTrue(trail.last?.detail.contains("delivery=\(id)") ?? false)
                } else {
                    await assertStoreError({ try await action.run(store, id, token) }) { error in
                        guard case .invalidTransition(let delivery, let messageId, let name, let from, _) = error else { return false }
                        return delivery == id && messageId == "T-\(index)-\(state.rawValue)" && name == action.name && from == state
                    }
                    let headAfter = try await store.lastAuditSequence()
                    XCTAssertEqual(headAfter, headBefore, "a refused \(action.name) from \(state) must not be audited")
                    let unchanged = try await store.delivery(id)
                    XCTAssertEqual(unchanged?.state, state)
                }
                let report = try await store.verifyAuditChain(verifier: nil)
                XCTAssertTrue(report.isIntact)
            }
        }
        XCTAssertEqual(counter, 54)
    }

    func invalidTransitionErrorNamesTheRule() async throws {
        let store = try await fixture.open()
        let id = try await delivery(in: .failed, store: store, id: "E-1")
        do {
            _ = try await store.deliver(id, owner: owner, token: LeaseToken(rawValue: 1), receipt: Data(), now: testEpoch)
            XCTFail("delivering a failed delivery must be refused")
        } catch let error as StoreError {
            XCTAssertEqual(
                error.description,
                "cannot deliver delivery \(id) of message E-1: it is failed; deliver is allowed only from sending")
        }
    }

    func operatorActionsRecordNameAndReason() async throws {
        let store = try await fixture.open()
        let id = try await delivery(in: .queued, store: store, id: "O-1")
        _ = try await store.hold(id, by: anOperator, now: testEpoch)
        let last = try await store.auditTrail(messageId: "O-1").last
        XCTAssertEqual(last?.event, "delivery.held")
        XCTAssertEqual(last?.actor, "operator:j.jansen")
        XCTAssertEqual(last?.detail.contains("reason=\"partner maintenance window\""), true)
        await assertStoreError({ try await store.release(id, by: OperatorAction(name: "", reason: "x"), now: testEpoch) }) {
            if case .invalidArgument = $0 { return true }
            return false
        }
    }

    func leaseOrderUrgentFirstThenOldest() async throws {
        let store = try await fixture.open()
        _ = try await store.accept(makeMessage(id: "old", received: testEpoch), recipients: ["SHN"])
        _ = try await store.accept(makeMessage(id: "new", received: testEpoch.addingTimeInterval(10)), recipients: ["SHN"])
        _ = try await store.accept(makeMessage(id: "urgent-new", urgent: true, received: testEpoch.addingTimeInterval(20)), recipients: ["SHN"])
        _ = try await store.accept(makeMessage(id: "future", received: testEpoch.addingTimeInterval(3600)), recipients: ["SHN"])
        let now = testEpoch.addingTimeInterval(60)
        let first = try await store.lease(owner: owner, freeSlots: ["SHN": 2], leaseDuration: 30, now: now)
        XCTAssertEqual(first.map(\.delivery.messageId), ["urgent-new", "old"])
        XCTAssertEqual(first.first?.payload, makeMessage(id: "urgent-new", urgent: true, received: testEpoch.addingTimeInterval(20)).payload)
        XCTAssertEqual(first.first?.delivery.attempts, 1)
        XCTAssertEqual(first.first?.delivery.leaseOwner, owner)
        XCTAssertEqual(first.first?.token, LeaseToken(rawValue: 1))
        let second = try await store.lease(owner: owner, freeSlots: ["SHN": 10], leaseDuration: 30, now: now)
        XCTAssertEqual(second.map(\.delivery.messageId), ["new"], "not-yet-due deliveries are not leased")
    }

    func expiredLeaseMakesTheDeliveryDueAgain() async throws {
        let store = try await fixture.open()
        _ = try await store.accept(makeMessage(id: "L-1"), recipients: ["SHN"])
        let leased = try await store.lease(owner: "dead-courier", freeSlots: ["SHN": 10], leaseDuration: 30, now: testEpoch)
        XCTAssertEqual(leased.count, 1)
        let beforeExpiry = try await store.lease(owner: owner, freeSlots: ["SHN": 10], leaseDuration: 30, now: testEpoch.addingTimeInterval(29))
        XCTAssertTrue(beforeExpiry.isEmpty, "a live lease must not be taken over")
        let afterExpiry = try await store.lease(owner: owner, freeSlots: ["SHN": 10], leaseDuration: 30, now: testEpoch.addingTimeInterval(30))
        XCTAssertEqual(afterExpiry.map(\.delivery.messageId), ["L-1"])
        XCTAssertEqual(afterExpiry.first?.delivery.attempts, 2)
        XCTAssertEqual(afterExpiry.first?.delivery.leaseOwner, owner)
        let id = try XCTUnwrap(afterExpiry.first?.delivery.id)
        let oldToken = try XCTUnwrap(leased.first?.token)
        await assertStoreError({ try await store.deliver(id, owner: "dead-courier", token: oldToken, receipt: Data(), now: testEpoch) }) { error in
            if case .leaseNotHeld(let delivery, _, let caller, let token, let holder, let current) = error {
                return delivery == id && caller == "dead-courier" && holder == self.owner && token.rawValue == 1 && current.rawValue == 2
            }
            return false
        }
        let trail = try await store.auditTrail(messageId: "L-1")
        XCTAssertTrue(trail.last?.detail.contains("from=sending") ?? false)
        XCTAssertTrue(trail.last?.detail.contains("expired-owner=\"dead-courier\"") ?? false)
    }

    func deferredBecomesDueAtItsNextAttempt() async throws {
        let store = try await fixture.open()
        let id = try await delivery(in: .deferred, store: store, id: "D-1")
        let early = try await store.lease(owner: owner, freeSlots: ["SHN": 10], leaseDuration: 30, now: testEpoch.addingTimeInterval(299))
        XCTAssertTrue(early.isEmpty)
        let due = try await store.lease(owner: owner, freeSlots: ["SHN": 10], leaseDuration: 30, now: testEpoch.addingTimeInterval(300))
        XCTAssertEqual(due.map(\.delivery.id), [id])
        XCTAssertEqual(due.first?.delivery.lastErrorClass, .timeout)
    }

    func countsFollowTransitionsAndListingPages() async throws {
        let store = try await fixture.open()
        for index in 0..<5 {
            _ = try await store.accept(makeMessage(id: "P-\(index)"), recipients: ["SHN", "VT-0363"])
        }
        let leased = try await store.lease(owner: owner, freeSlots: ["SHN": 2, "VT-0363": 1], leaseDuration: 30, now: testEpoch)
        _ = try await store.deliver(leased[0].delivery.id, owner: owner, token: leased[0].token, receipt: Data("r".utf8), now: testEpoch)
        let counts = Set(try await store.countsByPartnerAndState())
        let total = counts.reduce(0) { $0 + $1.count }
        XCTAssertEqual(total, 10)
        XCTAssertEqual(counts.filter { $0.state == .sending }.reduce(0) { $0 + $1.count }, 2)
        XCTAssertEqual(counts.filter { $0.state == .delivered }.reduce(0) { $0 + $1.count }, 1)
        let page1 = try await store.listDeliveries(DeliveryFilter(partner: "SHN"), after: nil, limit: 2)
        let page2 = try await store.listDeliveries(DeliveryFilter(partner: "SHN"), after: page1.last?.id, limit: 10)
        XCTAssertEqual(page1.count + page2.count, 5)
        XCTAssertTrue(Set(page1.map(\.id)).isDisjoint(with: page2.map(\.id)))
        let queuedVT = try await store.listDeliveries(DeliveryFilter(partner: "VT-0363", state: .queued), after: nil, limit: 10)
        XCTAssertTrue(queuedVT.allSatisfy { $0.partner == "VT-0363" && $0.state == .queued })
    }
}

final class TransitionTests: XCTestCase {
    private func suite() async throws -> TransitionSuite { TransitionSuite(fixture: try await .make(.sqlite, for: self)) }

    func testEveryTransitionFromEveryState() async throws { try await suite().everyTransitionFromEveryState() }
    func testInvalidTransitionErrorNamesTheRule() async throws { try await suite().invalidTransitionErrorNamesTheRule() }
    func testOperatorActionsRecordNameAndReason() async throws { try await suite().operatorActionsRecordNameAndReason() }
    func testLeaseOrderUrgentFirstThenOldest() async throws { try await suite().leaseOrderUrgentFirstThenOldest() }
    func testExpiredLeaseMakesTheDeliveryDueAgain() async throws { try await suite().expiredLeaseMakesTheDeliveryDueAgain() }
    func testDeferredBecomesDueAtItsNextAttempt() async throws { try await suite().deferredBecomesDueAtItsNextAttempt() }
    func testCountsFollowTransitionsAndListingPages() async throws { try await suite().countsFollowTransitionsAndListingPages() }
}

final class TransitionTestsOnPostgres: XCTestCase {
    private func suite() async throws -> TransitionSuite { TransitionSuite(fixture: try await .make(.postgres, for: self)) }

    func testEveryTransitionFromEveryState() async throws { try await suite().everyTransitionFromEveryState() }
    func testInvalidTransitionErrorNamesTheRule() async throws { try await suite().invalidTransitionErrorNamesTheRule() }
    func testOperatorActionsRecordNameAndReason() async throws { try await suite().operatorActionsRecordNameAndReason() }
    func testLeaseOrderUrgentFirstThenOldest() async throws { try await suite().leaseOrderUrgentFirstThenOldest() }
    func testExpiredLeaseMakesTheDeliveryDueAgain() async throws { try await suite().expiredLeaseMakesTheDeliveryDueAgain() }
    func testDeferredBecomesDueAtItsNextAttempt() async throws { try await suite().deferredBecomesDueAtItsNextAttempt() }
    func testCountsFollowTransitionsAndListingPages() async throws { try await suite().countsFollowTransitionsAndListingPages() }
}
