import Foundation
import KetenpoortCore
import KetenpoortPKI
import KetenpoortServer
import KetenpoortStore
import KetenpoortXML
import XCTest

/// A partner endpoint for one party of the gateway tests' PKI, running until stopped.
final class RunningPartner: @unchecked Sendable {
    let endpoint: PartnerEndpoint
    let port: Int
    let inbox: String
    private let task: Task<Void, any Error>

    private init(endpoint: PartnerEndpoint, port: Int, inbox: String, task: Task<Void, any Error>) {
        self.endpoint = endpoint
        self.port = port
        self.inbox = inbox
        self.task = task
    }

    /// Starts the reference endpoint of `party` on `port` (0: any) with an inbox (new by default).
    static func start(_ party: String, port: Int = 0, inbox: String? = nil) async throws -> RunningPartner {
        let pki = try GatewayTestPKI.get()
        guard let entry = pki.manifest.party(named: party) else { throw HarnessError("no party \(party)") }
        let directory = inbox ?? FileManager.default.temporaryDirectory.appendingPathComponent("kp-inbox-\(UUID().uuidString)").path
        let configuration = try PartnerEndpointConfiguration.development(pki: pki, party: entry, host: "127.0.0.1", port: port, inbox: directory)
        let endpoint = try PartnerEndpoint(configuration: configuration, logger: CapturedLogs().logger(label: party))
        let task = Task { try await endpoint.run() }
        let bound = try await endpoint.boundPort.wait()
        return RunningPartner(endpoint: endpoint, port: bound, inbox: directory, task: task)
    }

    var url: String { "https://localhost:\(port)/v1/berichten" }

    func stop() async {
        task.cancel()
        _ = await task.result
    }

    /// The message files in the inbox.
    func inboxFiles() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: inbox)) ?? []).filter { $0.hasSuffix(".xml") }.sorted()
    }
}

/// Waits until `condition` holds, polling; fails the test after `seconds`.
func eventually(_ seconds: Double = 20, file: StaticString = #filePath, line: UInt = #line,
                _ condition: () async throws -> Bool) async throws {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(100))
    }
    XCTFail("condition not met within \(seconds) s", file: file, line: line)
}

/// Delivery end to end: real gateway, real partner endpoints, real mutual TLS and signed receipts.
final class GatewayDeliveryTests: XCTestCase {
    private func delivery(_ gateway: RunningGateway, _ id: String) async throws -> DeliveryRecord? {
        try await gateway.gateway.store.status(messageId: id)?.deliveries.first
    }

    func testZorgmeldingForARotterdamChildArrivesAtRotterdamRijnmondWithAVerifiedReceipt() async throws {
        let rotterdam = try await RunningPartner.start("vt-rotterdam-rijnmond")
        let shn = try await RunningPartner.start("shn")
        let gateway = try await RunningGateway.start(partners: ["vt-rotterdam-rijnmond": rotterdam.url, "shn": shn.url])
        let client = try IntakeClient(tls: GatewayTestPKI.tls(try GatewayTestPKI.get(), "politie-rotterdam"))
        let id = UUID().uuidString.lowercased()
        let referralId = UUID().uuidString.lowercased()
        do {
            let first = try await client.post(try GatewayExamples.zorgmelding(id: id), port: gateway.port)
            XCTAssertEqual(first.status, 202, first.body)
            var referral = try GatewayExamples.text("valid/slachtofferverwijzing-utrecht.xml")
            referral = referral.replacingOccurrences(of: "4bb52c31-cd75-4f17-adea-fa1d9da4fc67", with: referralId)
                .replacingOccurrences(of: "<kop:OIN>00000099000000000004</kop:OIN>", with: "<kop:OIN>00000099000000000001</kop:OIN>")
            let second = try await client.post(Data(referral.utf8), port: gateway.port)
            XCTAssertEqual(second.status, 202, second.body)
            try await eventually {
                let a = try await self.delivery(gateway, id)?.state
                let b = try await self.delivery(gateway, referralId)?.state
                return a == .delivered && b == .delivered
            }
            XCTAssertEqual(rotterdam.inboxFiles(), ["\(id).xml"])
            XCTAssertEqual(shn.inboxFiles(), ["\(referralId).xml"])
            // The inbox holds exactly the signed bytes the gateway stored, and the stored receipt verifies.
            let stored = try await gateway.gateway.store.payload(messageId: id)
            let inboxBytes = try Data(contentsOf: URL(fileURLWithPath: rotterdam.inbox).appendingPathComponent("\(id).xml"))
            XCTAssertEqual(stored, inboxBytes)
            let deliveredRecord = try await delivery(gateway, id)
            let receipt = try XCTUnwrap(deliveredRecord?.receipt)
            let pki = try GatewayTestPKI.get()
            let verifier = try ReceiptVerifier(trustAnchorFiles: [URL(fileURLWithPath: pki.path(DevelopmentPKI.caCertificateFile))])
            let signer = Data(try CertificateInfo.load(file: pki.path("vt-rotterdam-rijnmond-sign.pem")).derBytes)
            let verified = try verifier.verify(receipt: receipt, forMessageId: id, sentBytes: inboxBytes, expectedSigners: [signer])
            XCTAssertEqual(verified.status, .received)
            let events = try await gateway.gateway.store.auditTrail(messageId: id).map(\.event)
            XCTAssertEqual(events.last, AuditEvent.deliveryDelivered.rawValue)
        } catch {
            XCTFail("\(error)")
        }
        await client.shutdown()
        try await gateway.stop()
        await rotterdam.stop()
        await shn.stop()
    }

    func testPartnerDownThenUpIsDeliveredAfterRecoveryWithBackoff() async throws {
        let first = try await RunningPartner.start("vt-rotterdam-rijnmond")
        let port = first.port
        let inbox = first.inbox
        await first.stop()
        let gateway = try await RunningGateway.start(partners: ["vt-rotterdam-rijnmond": "https://localhost:\(port)/v1/berichten"])
        let client = try IntakeClient(tls: GatewayTestPKI.tls(try GatewayTestPKI.get(), "politie-rotterdam"))
        let id = UUID().uuidString.lowercased()
        let posted = try await client.post(try GatewayExamples.zorgmelding(id: id), port: gateway.port)
        XCTAssertEqual(posted.status, 202, posted.body)
        try await eventually { (try await self.delivery(gateway, id)?.attempts ?? 0) >= 2 }
        let deferred = try await delivery(gateway, id)
        XCTAssertEqual(deferred?.state == .deferred || deferred?.state == .sending, true)
        XCTAssertEqual(deferred?.lastErrorClass?.rawValue, "connection")
        // Backoff: attempts are spaced, not a busy loop.
        let trail = try await gateway.gateway.store.auditTrail(messageId: id).filter { $0.event == AuditEvent.deliveryLeased.rawValue }
        if trail.count >= 2 {
            XCTAssertGreaterThanOrEqual(trail[1].timeMillis - trail[0].timeMillis, 200)
        }
        let second = try await RunningPartner.start("vt-rotterdam-rijnmond", port: port, inbox: inbox)
        try await eventually { try await self.delivery(gateway, id)?.state == .delivered }
        XCTAssertEqual(second.inboxFiles(), ["\(id).xml"])
        await client.shutdown()
        try await gateway.stop()
        await second.stop()
    }

    func testPartnerAnswering500ThenOKIsDelivered() async throws {
        let partner = try await RunningPartner.start("vt-rotterdam-rijnmond")
        await partner.endpoint.enqueueBehaviours([.failWith(status: 500)])
        let gateway = try await RunningGateway.start(partners: ["vt-rotterdam-rijnmond": partner.url])
        let client = try IntakeClient(tls: GatewayTestPKI.tls(try GatewayTestPKI.get(), "politie-rotterdam"))
        let id = UUID().uuidString.lowercased()
        let posted = try await client.post(try GatewayExamples.zorgmelding(id: id), port: gateway.port)
        XCTAssertEqual(posted.status, 202, posted.body)
        try await eventually { try await self.delivery(gateway, id)?.state == .delivered }
        let record = try await delivery(gateway, id)
        XCTAssertEqual(record?.attempts, 2)
        let events = try await gateway.gateway.store.auditTrail(messageId: id).map(\.event)
        XCTAssertTrue(events.contains(AuditEvent.deliveryDeferred.rawValue))
        await client.shutdown()
        try await gateway.stop()
        await partner.stop()
    }

    func testPartnerRefusalFailsTheDeliveryWithoutRetry() async throws {
        let partner = try await RunningPartner.start("vt-rotterdam-rijnmond")
        await partner.endpoint.setBehaviour(.refuse(.notForRecipient))
        let gateway = try await RunningGateway.start(partners: ["vt-rotterdam-rijnmond": partner.url])
        let client = try IntakeClient(tls: GatewayTestPKI.tls(try GatewayTestPKI.get(), "politie-rotterdam"))
        let id = UUID().uuidString.lowercased()
        let posted = try await client.post(try GatewayExamples.zorgmelding(id: id), port: gateway.port)
        XCTAssertEqual(posted.status, 202, posted.body)
        try await eventually { try await self.delivery(gateway, id)?.state == .failed }
        // Failed is final: nothing is due any more, so no later lease can send it again (no sleep needed to see that).
        let record = try await delivery(gateway, id)
        XCTAssertEqual(record?.state, .failed)
        XCTAssertNil(record?.nextAttemptAt)
        XCTAssertNil(record?.leaseExpiresAt)
        XCTAssertEqual(record?.attempts, 1)
        XCTAssertEqual(record?.lastErrorClass, .refused)
        XCTAssertNotNil(record?.receipt)
        let requests = await partner.endpoint.requestCount
        XCTAssertEqual(requests, 1)
        await client.shutdown()
        try await gateway.stop()
        await partner.stop()
    }

    func testReceiptFromTheWrongSignerIsNotCountedAsDelivered() async throws {
        let partner = try await RunningPartner.start("vt-rotterdam-rijnmond")
        // The gateway expects Haaglanden's signing certificate for this partner: Rotterdam's receipt is not accepted.
        let pki = try GatewayTestPKI.get()
        var configuration = try RunningGateway.makeConfiguration(
            partners: ["vt-rotterdam-rijnmond": partner.url], stateDirectory: nil,
            retry: .init(initialDelaySeconds: 0.3, maxDelaySeconds: 1, maxAgeHours: 1, jitter: 0.1))
        configuration.partners[0].signingCertificates = [pki.path("vt-haaglanden-sign.pem")]
        let logs = CapturedLogs()
        let gateway = try Gateway(configuration: configuration, logger: logs.logger())
        let task = Task { try await gateway.run(handleSignals: false) }
        let port = try await gateway.intakePort.wait()
        let client = try IntakeClient(tls: GatewayTestPKI.tls(pki, "politie-rotterdam"))
        let id = UUID().uuidString.lowercased()
        let posted = try await client.post(try GatewayExamples.zorgmelding(id: id), port: port)
        XCTAssertEqual(posted.status, 202, posted.body)
        try await eventually { (try await gateway.store.status(messageId: id)?.deliveries.first?.attempts ?? 0) >= 2 }
        let record = try await gateway.store.status(messageId: id)?.deliveries.first
        XCTAssertNotEqual(record?.state, .delivered)
        XCTAssertEqual(record?.lastErrorClass?.rawValue, "receipt-invalid")
        XCTAssertNil(record?.receipt)
        await client.shutdown()
        await gateway.stop()
        _ = try? await task.value
        await partner.stop()
    }
}
