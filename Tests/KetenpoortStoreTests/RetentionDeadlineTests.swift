import Crypto
import Foundation
import KetenpoortStore
import XCTest

/// Retention counts from receipt and is a hard bound: at the deadline the payload goes, and a delivery that is still
/// queued or held fails (`retention-expired`); only a delivery in flight is waited for.
struct RetentionDeadlineSuite {
    let fixture: StoreFixture

    init(fixture: StoreFixture) { self.fixture = fixture }

    func deadlineFromReceiptFailsUnfinishedDeliveriesAndPurges() async throws {
        let store = try await fixture.open()
        _ = try await store.accept(makeMessage(id: "queued", retention: 100), recipients: ["SHN"])
        _ = try await store.accept(makeMessage(id: "held", retention: 100), recipients: ["VT-0363"])
        _ = try await store.accept(makeMessage(id: "in-flight", retention: 100), recipients: ["VT-0599"])
        let heldStatus = try await store.status(messageId: "held")
        let heldDelivery = try XCTUnwrap(heldStatus?.deliveries.first)
        _ = try await store.hold(heldDelivery.id, by: anOperator, now: testEpoch)
        let leased = try await store.lease(owner: "courier", freeSlots: ["VT-0599": 1], leaseDuration: 3600, now: testEpoch)
        XCTAssertEqual(leased.map(\.delivery.messageId), ["in-flight"])

        let early = try await store.purgeExpiredPayloads(now: testEpoch.addingTimeInterval(99), limit: 100)
        XCTAssertEqual(early, 0, "nothing before the deadline")
        let purged = try await store.purgeExpiredPayloads(now: testEpoch.addingTimeInterval(101), limit: 100)
        XCTAssertEqual(purged, 2)
        for id in ["queued", "held"] {
            let found = try await store.status(messageId: id)
            let status = try XCTUnwrap(found)
            XCTAssertNotNil(status.message.purgedAt, id)
            let payload = try await store.payload(messageId: id)
            XCTAssertNil(payload, id)
            XCTAssertEqual(status.deliveries.first?.state, .failed, id)
            XCTAssertEqual(status.deliveries.first?.lastErrorClass, .retentionExpired, id)
            let events = try await store.auditTrail(messageId: id).map(\.event)
            XCTAssertEqual(Array(events.suffix(2)), ["delivery.failed", "payload.purged"], id)
        }
        let inFlight = try await store.payload(messageId: "in-flight")
        XCTAssertNotNil(inFlight, "a delivery being sent keeps its payload until its outcome")
        let report = try await store.verifyAuditChain(verifier: nil)
        XCTAssertTrue(report.isIntact)
    }
}

final class RetentionDeadlineTests: XCTestCase {
    private func suite() async throws -> RetentionDeadlineSuite { RetentionDeadlineSuite(fixture: try await .make(.sqlite, for: self)) }

    func testDeadlineFromReceiptFailsUnfinishedDeliveriesAndPurges() async throws { try await suite().deadlineFromReceiptFailsUnfinishedDeliveriesAndPurges() }
}

final class RetentionDeadlineTestsOnPostgres: XCTestCase {
    private func suite() async throws -> RetentionDeadlineSuite { RetentionDeadlineSuite(fixture: try await .make(.postgres, for: self)) }

    func testDeadlineFromReceiptFailsUnfinishedDeliveriesAndPurges() async throws { try await suite().deadlineFromReceiptFailsUnfinishedDeliveriesAndPurges() }
}

/// The `message.accepted` record names the digest of the bytes received and of the signed message, by name.
struct AcceptDigestSuite {
    let fixture: StoreFixture

    init(fixture: StoreFixture) { self.fixture = fixture }

    func acceptedRecordNamesReceivedAndSignedDigests() async throws {
        let store = try await fixture.open()
        let received = Data("<Zorgmelding>as posted</Zorgmelding>".utf8)
        let signed = Data("<Zorgmelding>as posted<ds:Signature/></Zorgmelding>".utf8)
        var message = makeMessage(id: "D-1", payload: signed)
        message.digest = Data(SHA256.hash(data: received))
        _ = try await store.accept(message, recipients: ["SHN"])
        let trail = try await store.auditTrail(messageId: "D-1")
        let record = try XCTUnwrap(trail.first)
        let receivedHex = Data(SHA256.hash(data: received)).hexString
        let signedHex = Data(SHA256.hash(data: signed)).hexString
        XCTAssertTrue(record.detail.contains("received-sha256=\(receivedHex)"), record.detail)
        XCTAssertTrue(record.detail.contains("signed-sha256=\(signedHex)"), record.detail)
        XCTAssertFalse(record.detail.contains(" digest="), record.detail)
        XCTAssertEqual(AcceptedDigests(detail: record.detail), AcceptedDigests(detail: "received-sha256=\(receivedHex) signed-sha256=\(signedHex)"))
        XCTAssertEqual(AcceptedDigests(detail: record.detail).signed, signedHex)
    }
}

final class AcceptDigestTests: XCTestCase {
    private func suite() async throws -> AcceptDigestSuite { AcceptDigestSuite(fixture: try await .make(.sqlite, for: self)) }

    func testAcceptedRecordNamesReceivedAndSignedDigests() async throws { try await suite().acceptedRecordNamesReceivedAndSignedDigests() }

    func testRecordsOfTheOlderFormatStillRead() {
        let old = AcceptedDigests(detail: "kind=Zorgmelding sender=00000099000000000001 digest=abc123 recipients=1 urgent=0 key=k1")
        XCTAssertEqual(old.received, "abc123", "the older `digest` was the digest of the received bytes")
        XCTAssertNil(old.signed)
    }
}

final class AcceptDigestTestsOnPostgres: XCTestCase {
    private func suite() async throws -> AcceptDigestSuite { AcceptDigestSuite(fixture: try await .make(.postgres, for: self)) }

    func testAcceptedRecordNamesReceivedAndSignedDigests() async throws { try await suite().acceptedRecordNamesReceivedAndSignedDigests() }
}
