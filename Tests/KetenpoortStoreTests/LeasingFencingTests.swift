import Foundation
import KetenpoortStore
import XCTest

/// Every transition of a leased delivery presents its lease token; an older lease can never overwrite a newer one.
struct LeasingFencingSuite {
    let fixture: StoreFixture

    init(fixture: StoreFixture) { self.fixture = fixture }

    private let owner = "host/1/0000beef"

    func theSameOwnerReLeasedAfterExpiryCannotUseItsOldToken() async throws {
        let store = try await fixture.open()
        _ = try await store.accept(makeMessage(id: "F-1"), recipients: ["SHN"])
        let firstBatch = try await store.lease(owner: owner, freeSlots: ["SHN": 1], leaseDuration: 30, now: testEpoch)
        let secondBatch = try await store.lease(owner: owner, freeSlots: ["SHN": 1], leaseDuration: 30, now: testEpoch.addingTimeInterval(31))
        let first = try XCTUnwrap(firstBatch.first)
        let second = try XCTUnwrap(secondBatch.first)
        let owner = self.owner
        XCTAssertEqual(first.delivery.id, second.delivery.id)
        XCTAssertEqual(first.token, LeaseToken(rawValue: 1))
        XCTAssertEqual(second.token, LeaseToken(rawValue: 2))
        let id = first.delivery.id
        let now = testEpoch.addingTimeInterval(32)
        let headBefore = try await store.lastAuditSequence()
        let stale: [(String, @Sendable () async throws -> DeliveryRecord)] = [
            ("deliver", { try await store.deliver(id, owner: owner, token: first.token, receipt: Data("old".utf8), now: now) }),
            ("defer", {
                try await store.deferDelivery(id, owner: owner, token: first.token, until: now.addingTimeInterval(60),
                                              errorClass: .timeout, errorText: "no answer", now: now)
            }),
            ("fail", { try await store.fail(id, owner: owner, token: first.token, errorClass: .httpPermanent, errorText: "HTTP 403", now: now) }),
            ("refuse", { try await store.refuse(id, owner: owner, token: first.token, receipt: Data("r".utf8), reason: "overig", now: now) }),
            ("return", { try await store.returnLease(id, owner: owner, token: first.token, now: now) }),
        ]
        for (name, transition) in stale {
            await assertStoreError(transition) { error in
                guard case .leaseNotHeld(let delivery, _, let caller, let token, let holder, let current) = error else { return false }
                return delivery == id && caller == owner && token.rawValue == 1 && holder == owner && current.rawValue == 2
                    && error.description.hasPrefix("lease lost:")
            }
            let unchanged = try await store.delivery(id)
            XCTAssertEqual(unchanged?.state, .sending, "a stale \(name) must change nothing")
            XCTAssertEqual(unchanged?.attempts, 2)
        }
        let headAfter = try await store.lastAuditSequence()
        XCTAssertEqual(headAfter, headBefore, "refused stale transitions are not audited")

        let delivered = try await store.deliver(id, owner: owner, token: second.token, receipt: Data("new".utf8), now: now)
        XCTAssertEqual(delivered.state, .delivered)
        // Once the newer lease has finished, the old one still gets "lease lost", not a state error.
        await assertStoreError({ try await store.deliver(id, owner: owner, token: first.token, receipt: Data("old".utf8), now: now) }) {
            if case .leaseNotHeld = $0 { return true }
            return false
        }
        let final = try await store.delivery(id)
        XCTAssertEqual(final?.receipt, Data("new".utf8))
    }

    func anotherOwnerWithTheCurrentTokenIsRefused() async throws {
        let store = try await fixture.open()
        _ = try await store.accept(makeMessage(id: "F-2"), recipients: ["SHN"])
        let batch = try await store.lease(owner: owner, freeSlots: ["SHN": 1], leaseDuration: 30, now: testEpoch)
        let leased = try XCTUnwrap(batch.first)
        await assertStoreError({
            try await store.deliver(leased.delivery.id, owner: "other/2/0000cafe", token: leased.token, receipt: Data(), now: testEpoch)
        }) { error in
            if case .leaseNotHeld(_, _, let caller, _, let holder, _) = error { return caller == "other/2/0000cafe" && holder == self.owner }
            return false
        }
    }

    func aDeferralWithATryLaterReceiptAuditsTheReceiptDigest() async throws {
        let store = try await fixture.open()
        _ = try await store.accept(makeMessage(id: "F-3"), recipients: ["SHN"])
        let batch = try await store.lease(owner: owner, freeSlots: ["SHN": 1], leaseDuration: 30, now: testEpoch)
        let leased = try XCTUnwrap(batch.first)
        let receipt = Data("<Ontvangstbevestiging>tijdelijk-niet-verwerkbaar</Ontvangstbevestiging>".utf8)
        _ = try await store.deferDelivery(leased.delivery.id, owner: owner, token: leased.token, until: testEpoch.addingTimeInterval(60),
                                          errorClass: .tryLater, errorText: "try later", receipt: receipt, now: testEpoch)
        let last = try await store.auditTrail(messageId: "F-3").last
        XCTAssertEqual(last?.event, AuditEvent.deliveryDeferred.rawValue)
        XCTAssertEqual(last?.detail.contains("error=try-later"), true, last?.detail ?? "")
        XCTAssertEqual(last?.detail.contains("receipt-sha256=\(sha256Hex(receipt))"), true, last?.detail ?? "")
    }
}

final class LeasingFencingTests: XCTestCase {
    private func suite() async throws -> LeasingFencingSuite { LeasingFencingSuite(fixture: try await .make(.sqlite, for: self)) }

    func testTheSameOwnerReLeasedAfterExpiryCannotUseItsOldToken() async throws { try await suite().theSameOwnerReLeasedAfterExpiryCannotUseItsOldToken() }
    func testAnotherOwnerWithTheCurrentTokenIsRefused() async throws { try await suite().anotherOwnerWithTheCurrentTokenIsRefused() }
    func testADeferralWithATryLaterReceiptAuditsTheReceiptDigest() async throws { try await suite().aDeferralWithATryLaterReceiptAuditsTheReceiptDigest() }
}

final class LeasingFencingTestsOnPostgres: XCTestCase {
    private func suite() async throws -> LeasingFencingSuite { LeasingFencingSuite(fixture: try await .make(.postgres, for: self)) }

    func testTheSameOwnerReLeasedAfterExpiryCannotUseItsOldToken() async throws { try await suite().theSameOwnerReLeasedAfterExpiryCannotUseItsOldToken() }
    func testAnotherOwnerWithTheCurrentTokenIsRefused() async throws { try await suite().anotherOwnerWithTheCurrentTokenIsRefused() }
    func testADeferralWithATryLaterReceiptAuditsTheReceiptDigest() async throws { try await suite().aDeferralWithATryLaterReceiptAuditsTheReceiptDigest() }
}
