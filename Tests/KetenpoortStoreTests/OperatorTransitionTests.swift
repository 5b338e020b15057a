import Foundation
import KetenpoortStore
import XCTest

/// `apply(_:to:by:now:)`: an operator's retry, hold or release of one message or in bulk is one transaction, all or nothing.
struct OperatorTransitionSuite {
    let fixture: StoreFixture
    private let owner = "courier-1"

    init(fixture: StoreFixture) { self.fixture = fixture }

    /// The deliveries of `messageId`, by partner.
    private func states(_ store: ConformanceStore, _ messageId: String) async throws -> [String: DeliveryState] {
        let found = try await store.status(messageId: messageId)
        let status = try XCTUnwrap(found)
        return Dictionary(uniqueKeysWithValues: status.deliveries.map { ($0.partner, $0.state) })
    }

    func oneMessageIsRefusedWholeWhenOneDeliveryIsInTheWrongState() async throws {
        let store = try await fixture.open()
        _ = try await store.accept(makeMessage(id: "m-1"), recipients: ["SHN", "VT-UTRECHT"])
        let leased = try await store.lease(owner: owner, freeSlots: ["VT-UTRECHT": 1], leaseDuration: 60, now: testEpoch)
        XCTAssertEqual(leased.count, 1)
        let headBefore = try await store.auditHeadSequence()

        let outcome = try await store.apply(.hold, to: .message("m-1"), by: anOperator, now: testEpoch)
        guard case .refused(let wrong, let selected) = outcome else { return XCTFail("expected a refusal, got \(outcome)") }
        XCTAssertEqual(wrong.map(\.partner), ["VT-UTRECHT"])
        XCTAssertEqual(wrong.map(\.state), [.sending])
        XCTAssertEqual(Set(selected.map(\.partner)), ["SHN", "VT-UTRECHT"])
        let after = try await states(store, "m-1")
        XCTAssertEqual(after, ["SHN": .queued, "VT-UTRECHT": .sending], "nothing changed")
        let headAfter = try await store.auditHeadSequence()
        XCTAssertEqual(headAfter, headBefore, "a refusal writes no audit record")

        // The one delivery that is allowed can still be picked with its partner.
        let picked = try await store.apply(.hold, to: .message("m-1", partner: "SHN"), by: anOperator, now: testEpoch)
        XCTAssertEqual(picked.changes.map(\.after.state), [.held])
    }

    func oneMessageChangesEveryDeliveryAndAuditsEach() async throws {
        let store = try await fixture.open()
        _ = try await store.accept(makeMessage(id: "m-2"), recipients: ["SHN", "VT-UTRECHT"])
        let outcome = try await store.apply(.hold, to: .message("m-2"), by: anOperator, now: testEpoch)
        XCTAssertEqual(outcome.changes.map(\.before.state), [.queued, .queued])
        XCTAssertEqual(outcome.changes.map(\.after.state), [.held, .held])
        let held = try await states(store, "m-2")
        XCTAssertEqual(held, ["SHN": .held, "VT-UTRECHT": .held])
        let trail = try await store.auditTrail(messageId: "m-2").filter { $0.event == AuditEvent.deliveryHeld.rawValue }
        XCTAssertEqual(trail.count, 2)
        XCTAssertTrue(trail.allSatisfy { $0.actor.contains(anOperator.name) && $0.detail.contains("from=queued") })

        let released = try await store.apply(.release, to: .message("m-2"), by: anOperator, now: testEpoch)
        XCTAssertEqual(released.changes.map(\.after.state), [.queued, .queued])
        let unknown = try await store.apply(.retry, to: .message("no-such-message"), by: anOperator, now: testEpoch)
        XCTAssertEqual(unknown, .applied([]), "an unknown message selects nothing")
    }

    func bulkTakesTheAllowedStatesOfOnePartnerOnly() async throws {
        let store = try await fixture.open()
        for index in 0..<4 { _ = try await store.accept(makeMessage(id: "s-\(index)"), recipients: ["SHN"]) }
        _ = try await store.accept(makeMessage(id: "v-0"), recipients: ["VT-UTRECHT"])
        // Of the four SHN deliveries three are leased: one is deferred, one failed, one stays sending; one stays queued.
        let leased = try await store.lease(owner: owner, freeSlots: ["SHN": 3], leaseDuration: 60, now: testEpoch)
            .sorted { $0.delivery.messageId < $1.delivery.messageId }
        XCTAssertEqual(leased.count, 3)
        let (deferred, failed, sending) = (leased[0], leased[1], leased[2])
        let queued = try XCTUnwrap(Set((0..<4).map { "s-\($0)" }).subtracting(leased.map(\.delivery.messageId)).first)
        _ = try await store.deferDelivery(deferred.delivery.id, owner: owner, token: deferred.token, until: testEpoch.addingTimeInterval(600),
                                          errorClass: .timeout, errorText: "no answer", now: testEpoch)
        _ = try await store.fail(failed.delivery.id, owner: owner, token: failed.token, errorClass: .refused, errorText: "refused", now: testEpoch)

        // Asking for failed and sending ones too: hold takes only the states it allows (queued, deferred).
        let held = try await store.apply(.hold, to: .bulk(partner: "SHN", states: [.queued, .deferred, .failed, .sending]),
                                         by: anOperator, now: testEpoch)
        XCTAssertEqual(Set(held.changes.map(\.before.messageId)), [queued, deferred.delivery.messageId])
        XCTAssertEqual(Set(held.changes.map(\.before.state)), [.queued, .deferred])
        let other = try await states(store, "v-0")
        XCTAssertEqual(other, ["VT-UTRECHT": .queued], "another partner is not touched")
        let stillSending = try await states(store, sending.delivery.messageId)
        XCTAssertEqual(stillSending, ["SHN": .sending])

        let retried = try await store.apply(.retry, to: .bulk(partner: nil, states: [.failed]), by: anOperator, now: testEpoch)
        XCTAssertEqual(retried.changes.map(\.before.messageId), [failed.delivery.messageId])
        XCTAssertEqual(retried.changes.map(\.after.state), [.queued])
        let nothing = try await store.apply(.release, to: .bulk(partner: "VT-UTRECHT", states: [.held]), by: anOperator, now: testEpoch)
        XCTAssertEqual(nothing, .applied([]))
    }

    func aBulkPageTakesTheLowestIdsAfterItsStartAndNoMore() async throws {
        let store = try await fixture.open()
        for index in 0..<5 { _ = try await store.accept(makeMessage(id: "p-\(index)"), recipients: ["SHN"]) }
        let first = try await store.apply(.hold, to: .bulk(partner: "SHN", states: [.queued], after: nil, limit: 2), by: anOperator, now: testEpoch)
        XCTAssertEqual(first.changes.map(\.before.messageId), ["p-0", "p-1"])
        let last = try XCTUnwrap(first.changes.last?.before.id)
        let second = try await store.apply(.hold, to: .bulk(partner: "SHN", states: [.queued], after: last, limit: 2), by: anOperator, now: testEpoch)
        XCTAssertEqual(second.changes.map(\.before.messageId), ["p-2", "p-3"])
        let rest = try await store.apply(.hold, to: .bulk(partner: "SHN", states: [.queued], after: second.changes.last?.before.id),
                                         by: anOperator, now: testEpoch)
        XCTAssertEqual(rest.changes.map(\.before.messageId), ["p-4"], "without a limit the page runs to the end")
        // A page starting after the last id selects nothing, and a limit never applies to one message.
        let none = try await store.apply(.release, to: .bulk(partner: nil, states: [.held], after: rest.changes.last?.before.id, limit: 2),
                                         by: anOperator, now: testEpoch)
        XCTAssertEqual(none, .applied([]))
    }

    func anActionWithoutAReasonChangesNothing() async throws {
        let store = try await fixture.open()
        _ = try await store.accept(makeMessage(id: "m-3"), recipients: ["SHN"])
        await assertStoreError({ try await store.apply(.hold, to: .message("m-3"), by: OperatorAction(name: "j.jansen", reason: " "), now: testEpoch) }) {
            if case .invalidArgument = $0 { return true }
            return false
        }
        let after = try await states(store, "m-3")
        XCTAssertEqual(after, ["SHN": .queued])
    }

    /// A node leases a message's deliveries while an operator holds the message: either the hold came first (both
    /// held, nothing leased) or a lease did (what it took is sending, the hold refused and nothing held); never a
    /// message half held.
    func aConcurrentLeaseNeverSplitsAMessage() async throws {
        let store = try await fixture.open()
        // On PostgreSQL the lease comes from a second connection pool, as from another gateway node.
        let node = fixture.backend == .postgres ? try await fixture.open(access: .readWrite) : store
        var holdsFirst = 0
        var leasesFirst = 0
        for round in 0..<40 {
            let id = "race-\(round)"
            _ = try await store.accept(makeMessage(id: id), recipients: ["P1", "P2"])
            let now = testEpoch.addingTimeInterval(Double(round))
            // Either side may start a little later, so both orders (and true overlaps) occur.
            let leaseDelay = UInt64.random(in: 0...2_000_000)
            let holdDelay = UInt64.random(in: 0...2_000_000)
            async let leasing: [LeasedDelivery] = {
                try await Task.sleep(nanoseconds: leaseDelay)
                return try await node.lease(owner: "node-b", freeSlots: ["P1": 1, "P2": 1], leaseDuration: 60, now: now)
            }()
            async let holding: OperatorTransitionOutcome = {
                try await Task.sleep(nanoseconds: holdDelay)
                return try await store.apply(.hold, to: .message(id), by: anOperator, now: now)
            }()
            let (leased, outcome) = try await (leasing, holding)
            let after = try await states(store, id)
            switch outcome {
            case .applied(let changes):
                XCTAssertEqual(changes.count, 2, "round \(round)")
                XCTAssertEqual(after, ["P1": .held, "P2": .held], "round \(round)")
                XCTAssertTrue(leased.isEmpty, "round \(round): nothing left to lease after the hold")
                holdsFirst += 1
            case .refused:
                // The lease may have taken one delivery or both (PostgreSQL: it skips a row the hold has locked).
                XCTAssertFalse(leased.isEmpty, "round \(round): refused only because something was leased")
                let expected = Dictionary(uniqueKeysWithValues: ["P1", "P2"].map { partner in
                    (partner, leased.contains { $0.delivery.partner == partner } ? DeliveryState.sending : .queued)
                })
                XCTAssertEqual(after, expected, "round \(round): a refused hold changed nothing")
                leasesFirst += 1
            }
            // Clear the round so the next lease sees only the next message.
            for lease in leased {
                _ = try await node.returnLease(lease.delivery.id, owner: "node-b", token: lease.token, now: now)
            }
            _ = try await store.apply(.hold, to: .bulk(partner: nil, states: [.queued]), by: anOperator, now: now)
        }
        XCTAssertEqual(holdsFirst + leasesFirst, 40)
    }
}

final class OperatorTransitionTests: XCTestCase {
    private func suite() async throws -> OperatorTransitionSuite { OperatorTransitionSuite(fixture: try await .make(.sqlite, for: self)) }

    func testOneMessageIsRefusedWholeWhenOneDeliveryIsInTheWrongState() async throws {
        try await suite().oneMessageIsRefusedWholeWhenOneDeliveryIsInTheWrongState()
    }
    func testOneMessageChangesEveryDeliveryAndAuditsEach() async throws { try await suite().oneMessageChangesEveryDeliveryAndAuditsEach() }
    func testBulkTakesTheAllowedStatesOfOnePartnerOnly() async throws { try await suite().bulkTakesTheAllowedStatesOfOnePartnerOnly() }
    func testAnActionWithoutAReasonChangesNothing() async throws { try await suite().anActionWithoutAReasonChangesNothing() }
    func testABulkPageTakesTheLowestIdsAfterItsStartAndNoMore() async throws { try await suite().aBulkPageTakesTheLowestIdsAfterItsStartAndNoMore() }
    func testAConcurrentLeaseNeverSplitsAMessage() async throws { try await suite().aConcurrentLeaseNeverSplitsAMessage() }
}

final class OperatorTransitionTestsOnPostgres: XCTestCase {
    private func suite() async throws -> OperatorTransitionSuite { OperatorTransitionSuite(fixture: try await .make(.postgres, for: self)) }

    func testOneMessageIsRefusedWholeWhenOneDeliveryIsInTheWrongState() async throws {
        try await suite().oneMessageIsRefusedWholeWhenOneDeliveryIsInTheWrongState()
    }
    func testOneMessageChangesEveryDeliveryAndAuditsEach() async throws { try await suite().oneMessageChangesEveryDeliveryAndAuditsEach() }
    func testBulkTakesTheAllowedStatesOfOnePartnerOnly() async throws { try await suite().bulkTakesTheAllowedStatesOfOnePartnerOnly() }
    func testAnActionWithoutAReasonChangesNothing() async throws { try await suite().anActionWithoutAReasonChangesNothing() }
    func testABulkPageTakesTheLowestIdsAfterItsStartAndNoMore() async throws { try await suite().aBulkPageTakesTheLowestIdsAfterItsStartAndNoMore() }
    func testAConcurrentLeaseNeverSplitsAMessage() async throws { try await suite().aConcurrentLeaseNeverSplitsAMessage() }
}
