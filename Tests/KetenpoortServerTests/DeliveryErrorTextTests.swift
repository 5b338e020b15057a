import AsyncHTTPClient
import Foundation
import KetenpoortServer
import KetenpoortStore
import KetenpoortTesting
import NIOCore
import XCTest

/// The stored error text of a failed delivery attempt names the endpoint and what happened; a refusal returns at once.
final class DeliveryErrorTextTests: XCTestCase {
    private func courier(_ tls: TLSFiles, connectTimeout: TimeInterval = 5) throws -> Courier {
        try Courier(tls: tls, receipts: try receiptVerifier(), connectTimeout: connectTimeout, requestTimeout: 10,
                    maxConnectionsPerHost: 2)
    }

    private func route(port: Int) -> PartnerRoute {
        PartnerRoute(id: "shn", endpoint: "https://127.0.0.1:\(port)/v1/berichten?trace=1", receiptSigners: [], concurrency: 1)
    }

    func testRefusedConnectionReturnsAtOnceNamingTheEndpoint() async throws {
        let courier = try courier(try PartnerTestPKI.tlsFiles("gateway"))
        let port = try LoopbackPort.free()  // free a moment ago: nothing listens there
        let started = ContinuousClock.now
        let outcome = await courier.deliver(Data("<x/>".utf8), messageId: "m-1", to: route(port: port))
        let elapsed = ContinuousClock.now - started
        await courier.shutdown()

        guard case .retry(let errorClass, let text) = outcome else { return XCTFail("expected a retry, got \(outcome)") }
        XCTAssertEqual(errorClass, "connection")
        XCTAssertEqual(text, "connection refused by https://127.0.0.1:\(port) (nothing listens on that port)")
        // The connect timeout is 5 s: a refusal must not wait for it.
        XCTAssertLessThan(elapsed, .seconds(2), "a refused connection took \(elapsed)")
    }

    func testFailedTLSHandshakeGivesTheShortReasonWithoutBuildPaths() async throws {
        let gateway = try PartnerTestPKI.tlsFiles("gateway")
        // The gateway trusts only the rogue certificate as its CA, so the partner's certificate does not verify.
        let rogue = try PartnerTestPKI.untrustedClient.get()
        let distrusting = TLSFiles(certificate: gateway.certificate, privateKey: gateway.privateKey, trustedCAs: [rogue.certificate])
        let courier = try courier(distrusting)
        try await withEndpoint(try shnConfiguration()) { _, port in
            let outcome = await courier.deliver(Data("<x/>".utf8), messageId: "m-2", to: route(port: port))
            guard case .retry(let errorClass, let text) = outcome else { return XCTFail("expected a retry, got \(outcome)") }
            XCTAssertEqual(errorClass, "tls")
            XCTAssertTrue(text.hasPrefix("TLS handshake with https://127.0.0.1:\(port) failed: "), text)
            XCTAssertTrue(text.contains("CERTIFICATE_VERIFY_FAILED"), text)
            XCTAssertFalse(text.contains(".c:") || text.contains("/v1/"), text)
        }
        await courier.shutdown()
    }

    func testUnknownHostIsSaidToBeADNSFailure() async throws {
        let courier = try courier(try PartnerTestPKI.tlsFiles("gateway"))
        let partner = PartnerRoute(id: "shn", endpoint: "https://ketenpoort-test.invalid:9501/v1/berichten", receiptSigners: [],
                                   concurrency: 1)
        let outcome = await courier.deliver(Data("<x/>".utf8), messageId: "m-3", to: partner)
        await courier.shutdown()
        guard case .retry(let errorClass, let text) = outcome else { return XCTFail("expected a retry, got \(outcome)") }
        XCTAssertEqual(errorClass, "connection")
        XCTAssertTrue(text.hasPrefix("host not found (DNS) for https://ketenpoort-test.invalid:9501"), text)
    }

    func testTheDispatchersDeferredLogLineCarriesTheErrorText() async throws {
        let rig = try DispatcherRig(partners: ["shn": 1])
        defer { rig.temporary.remove() }
        let accepted = try await rig.accept(1, for: "shn")
        let id = try XCTUnwrap(accepted.first)
        let text = "connection refused by https://shn.invalid:443 (nothing listens on that port)"
        await rig.transport.answerOnce([.retry(errorClass: "connection", text: text)], for: "shn")
        let run = rig.start()
        try await waitUntil("the delivery deferred") {
            try await rig.store.status(messageId: id)?.deliveries.first?.state == .deferred
        }
        try await rig.stop(run)
        let line = try XCTUnwrap(rig.logs.entries.first { $0.metadata["outcome"] == "deferred" })
        XCTAssertEqual(line.metadata["error_class"], "connection")
        XCTAssertEqual(line.metadata["error_text"], text)
    }

    func testEndpointKeepsSchemeHostAndPortOnly() {
        XCTAssertEqual(DeliveryErrorText.endpoint(of: "https://vt.example.nl/in?bsn=999990093"), "https://vt.example.nl:443")
        XCTAssertEqual(DeliveryErrorText.endpoint(of: "https://10.0.0.7:9501/v1/berichten"), "https://10.0.0.7:9501")
    }

    func testTimeoutsAndStatusAreSaidInWords() {
        let read = DeliveryErrorText.transportFailure(HTTPClientError.readTimeout, endpoint: "https://a:1",
                                                      connectTimeout: .seconds(5), readTimeout: .seconds(30))
        XCTAssertEqual(read.errorClass, "timeout")
        XCTAssertEqual(read.text, "no answer from https://a:1 within 30 s (read timed out)")
        let connect = DeliveryErrorText.transportFailure(HTTPClientError.connectTimeout, endpoint: "https://a:1",
                                                         connectTimeout: .milliseconds(2500), readTimeout: .seconds(30))
        XCTAssertEqual(connect.text, "connect to https://a:1 timed out after 2.5 s")
        XCTAssertEqual(DeliveryErrorText.httpStatus(503, endpoint: "https://a:1"), "https://a:1 answered HTTP 503")
    }
}
