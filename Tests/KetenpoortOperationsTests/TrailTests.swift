import Foundation
import KetenpoortOperations
import KetenpoortStore
import KetenpoortTesting
import XCTest

/// A message's attempts and the verification of its trail, read from a real store's audit chain.
final class TrailTests: XCTestCase {
    private let now = Date(timeIntervalSince1970: 1_800_000_000)

    private func temporaryStore() throws -> TemporaryStore {
        let temporary = try TemporaryStore()
        addTeardownBlock { temporary.remove() }
        return temporary
    }

    /// A message to shn that is deferred once (refused connection), then delivered.
    private func deferredThenDelivered(_ store: SQLiteStore) async throws -> String {
        let id = UUID().uuidString.lowercased()
        let payload = Data("<Zorgmelding/>".utf8)
        _ = try await store.accept(IncomingMessage(id: id, kind: "Zorgmelding", senderOIN: "00000099000000000001", digest: Data(repeating: 1, count: 32),
                                                   receivedAt: now, signedAt: now, urgent: false, payload: payload,
                                                   retentionDeadline: now.addingTimeInterval(86_400)), recipients: ["shn"])
        let firstLease = try await store.lease(owner: "node-a", freeSlots: ["shn": 1], leaseDuration: 60, now: now)
        let first = try XCTUnwrap(firstLease.first)
        _ = try await store.deferDelivery(first.delivery.id, owner: "node-a", token: first.token, until: now.addingTimeInterval(5),
                                          errorClass: .connection, errorText: "https://shn.example:9501: connection refused", now: now.addingTimeInterval(1))
        let secondLease = try await store.lease(owner: "node-a", freeSlots: ["shn": 1], leaseDuration: 60, now: now.addingTimeInterval(6))
        let second = try XCTUnwrap(secondLease.first)
        _ = try await store.deliver(second.delivery.id, owner: "node-a", token: second.token, receipt: Data("receipt".utf8),
                                    now: now.addingTimeInterval(7.5))
        return id
    }

    func testAttemptsPairEachLeaseWithItsOutcome() async throws {
        let temporary = try temporaryStore()
        let id = try await deferredThenDelivered(temporary.store)
        let trail = try await temporary.store.auditTrail(messageId: id)
        let status = try await temporary.store.status(messageId: id)
        let attempts = AttemptHistory.attempts(from: trail, deliveries: status?.deliveries ?? [])
        XCTAssertEqual(attempts.map(\.number), [1, 2])
        XCTAssertEqual(attempts.map(\.outcome), ["deferred", "delivered"])
        XCTAssertEqual(attempts[0].errorClass, "connection")
        XCTAssertEqual(attempts[0].endpoint, "https://shn.example:9501")
        XCTAssertEqual(attempts[0].duration, 1)
        XCTAssertEqual(attempts[1].duration, 1.5)
        XCTAssertEqual(attempts[1].receiptSHA256, sha256Hex(Data("receipt".utf8)))
    }

    func testALeaseWithoutAnOutcomeIsInProgressAndANewerLeaseMarksItExpired() async throws {
        let temporary = try temporaryStore()
        let id = try await temporary.accept(partners: ["shn"], receivedAt: now)
        _ = try await temporary.store.lease(owner: "node-a", freeSlots: ["shn": 1], leaseDuration: 10, now: now)
        let open = AttemptHistory.attempts(from: try await temporary.store.auditTrail(messageId: id))
        XCTAssertEqual(open.map(\.outcome), ["in-progress"])
        _ = try await temporary.store.lease(owner: "node-b", freeSlots: ["shn": 1], leaseDuration: 10, now: now.addingTimeInterval(30))
        let expired = AttemptHistory.attempts(from: try await temporary.store.auditTrail(messageId: id))
        XCTAssertEqual(expired.map(\.outcome), ["lease-expired", "in-progress"])
    }

    func testTheTrailVerifiesAndAnAlteredRecordIsNamed() async throws {
        let temporary = try temporaryStore()
        let id = try await deferredThenDelivered(temporary.store)
        let trail = try await temporary.store.auditTrail(messageId: id)
        let verified = try await TrailVerification.verify(trail, in: temporary.store)
        XCTAssertNil(verified.problem)
        XCTAssertEqual(verified.records_checked, trail.count)

        var altered = trail
        altered[1].detail += " extra=1"
        let broken = try await TrailVerification.verify(altered, in: temporary.store)
        XCTAssertEqual(broken.problem, "record \(trail[1].sequence): hash: its stored hash does not match its contents (altered)")
        XCTAssertEqual(broken.records_checked, 1)
    }

    func testAuditDetailReadsQuotedValues() {
        let fields = AuditDetail.fields(#"delivery=7 reason="partner \"asked\" twice" error=timeout"#)
        XCTAssertEqual(fields["delivery"], "7")
        XCTAssertEqual(fields["reason"], #"partner "asked" twice"#)
        XCTAssertEqual(fields["error"], "timeout")
    }
}
