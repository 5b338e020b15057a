import AsyncHTTPClient
import Foundation
import KetenpoortServer
import KetenpoortStore
import NIOCore
import XCTest

/// Intake refuses at the door what it will not admit: the wrong media type (415), more requests than it admits at
/// once (503 with Retry-After, body unread), and a flood of refusals costs a bounded number of audit records.
final class IntakeAdmissionTests: XCTestCase {
    private let unroutable = [
        "vt-rotterdam-rijnmond": "https://localhost:9/v1/berichten", "shn": "https://localhost:9/v1/berichten",
    ]

    func testAContentTypeOtherThanXMLIsRefusedWith415AndNothingIsStored() async throws {
        let gateway = try await RunningGateway.start(partners: unroutable)
        let client = try IntakeClient(tls: GatewayTestPKI.tls(try GatewayTestPKI.get(), "politie-rotterdam"))
        let id = UUID().uuidString.lowercased()
        for contentType in ["application/json", "text/plain", "application/xml-dtd"] {
            var request = HTTPClientRequest(url: "https://localhost:\(gateway.port)/v1/berichten")
            request.method = .POST
            request.headers.add(name: "Content-Type", value: contentType)
            request.body = .bytes(ByteBuffer(bytes: try GatewayExamples.zorgmelding(id: id)))
            let response = try await client.client.execute(request, timeout: .seconds(20))
            let body = String(buffer: try await response.body.collect(upTo: 1 << 16))
            XCTAssertEqual(response.status.code, 415, contentType)
            XCTAssertTrue(body.contains("KP-H001"), body)
        }
        let status = try await gateway.gateway.store.status(messageId: id)
        XCTAssertNil(status)
        // With parameters, and text/xml, it is admitted.
        var request = HTTPClientRequest(url: "https://localhost:\(gateway.port)/v1/berichten")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "text/xml; charset=utf-8")
        request.body = .bytes(ByteBuffer(bytes: try GatewayExamples.zorgmelding(id: id)))
        let accepted = try await client.client.execute(request, timeout: .seconds(20))
        XCTAssertEqual(accepted.status.code, 202)
        await client.shutdown()
        try await gateway.stop()
    }

    func testRequestsOverTheAdmissionLimitGet503WithRetryAfterBeforeTheirBodyIsRead() async throws {
        let logs = CapturedLogs()
        let gateway = try await RunningGateway.start(partners: unroutable, logs: logs,
                                                     intakeLimits: ConnectionLimits(bodyTimeoutSeconds: 30, maxConcurrentRequests: 1))
        // The first request holds the only admission slot: its head is in, its body never finishes.
        let holder = try await TLSTestClient.connect(port: gateway.port,
                                                     tls: GatewayTestPKI.tls(try GatewayTestPKI.get(), "politie-rotterdam"))
        try await holder.send("POST /v1/berichten HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/xml\r\nContent-Length: 5000\r\n\r\n<Zorg")
        let client = try IntakeClient(tls: GatewayTestPKI.tls(try GatewayTestPKI.get(), "politie-rotterdam"))
        var busy: HTTPClientResponse?
        let deadline = Date().addingTimeInterval(15)
        while Date() < deadline {
            var request = HTTPClientRequest(url: "https://localhost:\(gateway.port)/v1/berichten")
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/xml")
            request.body = .bytes(ByteBuffer(bytes: try GatewayExamples.zorgmelding()))
            let response = try await client.client.execute(request, timeout: .seconds(20))
            _ = try await response.body.collect(upTo: 1 << 16)
            if response.status.code == 503 {
                busy = response
                break
            }
            // The holder's head may not have reached admission yet; the answer then was a normal one.
            XCTAssertEqual(response.status.code, 202)
        }
        let response = try XCTUnwrap(busy, "a request over the admission limit must get 503")
        XCTAssertEqual(response.headers.first(name: "Retry-After"), "1")
        XCTAssertTrue(String(decoding: gateway.gateway.metrics.render(), as: UTF8.self).contains("ketenpoort_admission_busy_total"))
        holder.channel.close(promise: nil)
        // Once the slot is free again, intake admits.
        let after = Date().addingTimeInterval(15)
        var status = 0
        while Date() < after, status != 202 {
            status = try await client.post(try GatewayExamples.zorgmelding(), port: gateway.port).status
        }
        XCTAssertEqual(status, 202)
        await client.shutdown()
        try await gateway.stop()
    }

    func testAFloodOfRefusalsFromOneSenderCostsOneAuditRecordPerCodeAndASummary() async throws {
        let gateway = try await RunningGateway.start(partners: unroutable)
        let client = try IntakeClient(tls: GatewayTestPKI.tls(try GatewayTestPKI.get(), "politie-rotterdam"))
        let before = try await gateway.gateway.store.auditRecords(afterSequence: 0, limit: 100_000).count
        for _ in 0..<60 {
            let answer = try await client.post(Data("<nonsense".utf8), port: gateway.port)
            XCTAssertEqual(answer.status, 400)
        }
        await client.shutdown()
        try await gateway.stop()
        let store = try SQLiteStore.open(stateDirectory: gateway.configuration.stateDirectory)
        let records = try await store.auditRecords(afterSequence: 0, limit: 100_000).dropFirst(before)
        let refusals = records.filter { $0.event == AuditEvent.intakeRejected.rawValue }
        XCTAssertEqual(refusals.count, 2, refusals.map(\.detail).joined(separator: "\n"))
        let summary = try XCTUnwrap(refusals.first { $0.detail.contains("summary=1") })
        XCTAssertTrue(summary.detail.contains("count=59"), summary.detail)
        XCTAssertTrue(summary.detail.hasPrefix("sender=00000099000000000001 "), summary.detail)
    }
}
