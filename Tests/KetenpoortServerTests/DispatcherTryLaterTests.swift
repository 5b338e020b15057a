import Foundation
import KetenpoortServer
import KetenpoortStore
import KetenpoortTesting
import XCTest

/// A signed `tijdelijk-niet-verwerkbaar` receipt is retried with backoff like a 5xx, with the receipt's digest audited.
final class DispatcherTryLaterTests: XCTestCase {
    func testATryLaterReceiptDefersWithBackoffAndAuditsItsDigest() async throws {
        let rig = try DispatcherRig(partners: ["shn": 1])
        defer { rig.temporary.remove() }
        let accepted = try await rig.accept(1, for: "shn")
        let id = try XCTUnwrap(accepted.first)
        let receipt = Data("<Ontvangstbevestiging>geweigerd: tijdelijk-niet-verwerkbaar</Ontvangstbevestiging>".utf8)
        await rig.transport.answerOnce([.tryLater(receipt: receipt)], for: "shn")
        let run = rig.start()

        try await waitUntil("the delivery deferred") {
            try await rig.store.status(messageId: id)?.deliveries.first?.state == .deferred
        }
        let deferred = try await rig.store.status(messageId: id)?.deliveries.first
        XCTAssertEqual(deferred?.lastErrorClass, .tryLater)
        XCTAssertEqual(deferred?.nextAttemptAt, rig.clock.now().addingTimeInterval(5), "the first retry waits the initial delay")
        XCTAssertNil(deferred?.receipt, "a try-later receipt is not the delivery's receipt")
        let record = try await rig.store.auditTrail(messageId: id).last
        XCTAssertEqual(record?.event, AuditEvent.deliveryDeferred.rawValue)
        XCTAssertEqual(record?.detail.contains("error=try-later"), true, record?.detail ?? "")
        XCTAssertEqual(record?.detail.contains("receipt-sha256=\(sha256Hex(receipt))"), true, record?.detail ?? "")

        rig.clock.advance(by: 5)
        rig.dispatcher.wake()
        try await waitUntil("the retry delivered") {
            try await rig.store.status(messageId: id)?.deliveries.first?.state == .delivered
        }
        let delivered = try await rig.store.status(messageId: id)?.deliveries.first
        XCTAssertEqual(delivered?.attempts, 2)
        try await rig.stop(run)
    }

    func testTheCourierTurnsASignedTryLaterRefusalIntoARetry() async throws {
        let partner = try await RunningPartner.start("vt-rotterdam-rijnmond")
        await partner.endpoint.enqueueBehaviours([.refuse(.temporarilyUnavailable)])
        let gateway = try await RunningGateway.start(partners: ["vt-rotterdam-rijnmond": partner.url])
        let client = try IntakeClient(tls: GatewayTestPKI.tls(try GatewayTestPKI.get(), "politie-rotterdam"))
        let id = UUID().uuidString.lowercased()
        let posted = try await client.post(try GatewayExamples.zorgmelding(id: id), port: gateway.port)
        XCTAssertEqual(posted.status, 202, posted.body)
        try await waitUntil("the delivery delivered on the retry") {
            try await gateway.gateway.store.status(messageId: id)?.deliveries.first?.state == .delivered
        }
        let record = try await gateway.gateway.store.status(messageId: id)?.deliveries.first
        XCTAssertEqual(record?.attempts, 2)
        let deferral = try await gateway.gateway.store.auditTrail(messageId: id).first { $0.event == AuditEvent.deliveryDeferred.rawValue }
        XCTAssertEqual(deferral?.detail.contains("error=try-later"), true, deferral?.detail ?? "no deferral")
        XCTAssertEqual(deferral?.detail.contains("receipt-sha256="), true, deferral?.detail ?? "no deferral")
        let requests = await partner.endpoint.requestCount
        XCTAssertEqual(requests, 2)
        await client.shutdown()
        try await gateway.stop()
        await partner.stop()
    }
}
