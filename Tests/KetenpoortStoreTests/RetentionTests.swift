import Foundation
import KetenpoortStore
import XCTest

struct RetentionSuite {
    let fixture: StoreFixture

    init(fixture: StoreFixture) { self.fixture = fixture }

    func purgesOnlyExpiredPayloadsWithFinalDeliveries() async throws {
        let store = try await fixture.open()
        let owner = "courier"
        _ = try await store.accept(makeMessage(id: "done", retention: 100), recipients: ["SHN"])
        _ = try await store.accept(makeMessage(id: "pending", retention: 100), recipients: ["SHN", "VT-0363"])
        _ = try await store.accept(makeMessage(id: "young", retention: 10_000), recipients: ["SHN"])
        let leased = try await store.lease(owner: owner, freeSlots: ["SHN": 10, "VT-0363": 10], leaseDuration: 30, now: testEpoch)
        for item in leased where item.delivery.messageId != "pending" || item.delivery.partner == "SHN" {
            _ = try await store.deliver(item.delivery.id, owner: owner, token: item.token, receipt: Data("r".utf8), now: testEpoch)
        }
        let beforeDeadline = try await store.purgeExpiredPayloads(now: testEpoch.addingTimeInterval(99), limit: 100)
        XCTAssertEqual(beforeDeadline, 0)
        let purged = try await store.purgeExpiredPayloads(now: testEpoch.addingTimeInterval(200), limit: 100)
        XCTAssertEqual(purged, 1)
        let donePayload = try await store.payload(messageId: "done")
        XCTAssertNil(donePayload)
        let pendingPayload = try await store.payload(messageId: "pending")
        XCTAssertNotNil(pendingPayload, "a message with an unfinished delivery keeps its payload")
        let youngPayload = try await store.payload(messageId: "young")
        XCTAssertNotNil(youngPayload)
        let status = try await store.status(messageId: "done")
        XCTAssertNotNil(status?.message.purgedAt)
        XCTAssertEqual(status?.deliveries.first?.state, .delivered)
        let trail = try await store.auditTrail(messageId: "done")
        XCTAssertEqual(trail.first?.event, "message.accepted", "audit records stay")
        XCTAssertEqual(trail.last?.event, "payload.purged")
        let again = try await store.purgeExpiredPayloads(now: testEpoch.addingTimeInterval(300), limit: 100)
        XCTAssertEqual(again, 0, "a purged payload is not purged twice")
        let report = try await store.verifyAuditChain(verifier: nil)
        XCTAssertTrue(report.isIntact)
    }
}

final class RetentionTests: XCTestCase {
    private func suite() async throws -> RetentionSuite { RetentionSuite(fixture: try await .make(.sqlite, for: self)) }

    func testPurgesOnlyExpiredPayloadsWithFinalDeliveries() async throws { try await suite().purgesOnlyExpiredPayloadsWithFinalDeliveries() }
}

final class RetentionTestsOnPostgres: XCTestCase {
    private func suite() async throws -> RetentionSuite { RetentionSuite(fixture: try await .make(.postgres, for: self)) }

    func testPurgesOnlyExpiredPayloadsWithFinalDeliveries() async throws { try await suite().purgesOnlyExpiredPayloadsWithFinalDeliveries() }
}
