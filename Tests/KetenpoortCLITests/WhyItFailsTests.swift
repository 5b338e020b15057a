import Foundation
import KetenpoortPKI
import KetenpoortStore
import XCTest

/// An operator sees why a delivery fails (`queue show`, `--json`), and `submit` to a stopped gateway fails at once.
final class WhyItFailsTests: XCTestCase {
    func testQueueShowPrintsErrorTextsAndTrailNamesTheEndpoint() async throws {
        let filled = try await FilledStore.make(self)
        let first = "TLS handshake with https://shn.example:9501 failed: CERTIFICATE_VERIFY_FAILED"
        let second = "connection refused by https://shn.example:9501 (nothing listens on that port)"
        let start = Date()
        try await deferShn(filled, errorClass: .connection, text: first, now: start)
        try await deferShn(filled, errorClass: .connection, text: second, now: start.addingTimeInterval(601))
        let id = try filled.message("shn")

        let shown = try await filled.cli("queue", "show", id)
        assertExit(shown, 0)
        XCTAssertTrue(shown.stdout.contains("attempt 1 error: connection at https://shn.example:9501"), shown.stdout)
        XCTAssertTrue(shown.stdout.contains("attempt 2 error: \(second)"), shown.stdout)

        let json = try await filled.cli("queue", "show", id, "--json")
        assertExit(json, 0)
        let delivery = try XCTUnwrap((try json.object()["deliveries"] as? [[String: Any]])?.first)
        XCTAssertEqual(delivery["last_error_text"] as? String, second)
        let attempts = try XCTUnwrap(delivery["attempt_history"] as? [[String: Any]])
        XCTAssertEqual(attempts.map { $0["endpoint"] as? String }, ["https://shn.example:9501", "https://shn.example:9501"])
        XCTAssertEqual(attempts.map { $0["error_class"] as? String }, ["connection", "connection"])
        XCTAssertEqual(attempts.last?["error_text"] as? String, second)

        let trail = try await filled.cli("trail", id, "--json")
        assertExit(trail, 0)
        let records = try XCTUnwrap(try trail.object()["records"] as? [[String: Any]])
        let deferred = records.filter { $0["event"] as? String == AuditEvent.deliveryDeferred.rawValue }.compactMap { $0["detail"] as? String }
        XCTAssertEqual(deferred.count, 2)
        for detail in deferred {
            XCTAssertTrue(detail.contains("error=connection") && detail.contains("endpoint=https://shn.example:9501"), detail)
            XCTAssertFalse(detail.contains("refused") || detail.contains("CERTIFICATE"), "only endpoint and class: \(detail)")
        }
    }

    /// Leases everything due at `now` and defers the SHN delivery with `text`.
    private func deferShn(_ filled: FilledStore, errorClass: ErrorClass, text: String, now: Date) async throws {
        let leased = try await filled.store.leaseEveryPartner(owner: "test-courier", perPartner: 1_000, leaseDuration: 60, now: now)
        let shn = try XCTUnwrap(leased.first { $0.delivery.partner == "shn" })
        _ = try await filled.store.deferDelivery(shn.delivery.id, owner: "test-courier", token: shn.token,
                                                 until: now.addingTimeInterval(600), errorClass: errorClass,
                                                 errorText: text, now: now.addingTimeInterval(0.05))
    }

    func testSubmitToAStoppedGatewayFailsWithinASecondSayingRefused() async throws {
        let pki = try PipelineFixture.pki.get()
        let port = try ClosedPort.take()
        let file = (NSTemporaryDirectory() as NSString).appendingPathComponent("why-\(UUID().uuidString).xml")
        try Data("<x/>".utf8).write(to: URL(fileURLWithPath: file))
        addTeardownBlock { try? FileManager.default.removeItem(atPath: file) }

        let started = Date()
        let result = try await CLIRunner.run([
            "submit", file, "--url", "https://127.0.0.1:\(port)/v1/berichten",
            "--cert", pki.path("gateway-tls.pem"), "--key", pki.path("gateway-tls-key.pem"),
            "--ca", pki.path(DevelopmentPKI.caCertificateFile),
        ])
        let elapsed = Date().timeIntervalSince(started)
        assertExit(result, 1)
        XCTAssertTrue(result.stderr.contains("connection refused by https://127.0.0.1:\(port)"), result.stderr)
        // The process start-up is part of this; the connect timeout it must not wait for is 10 s.
        XCTAssertLessThan(elapsed, 3, "submit took \(elapsed) s")
    }
}

/// A loopback TCP port that nothing listens on (bound to find a free one, then closed).
enum ClosedPort {
    /// Binds 127.0.0.1:0, reads the port the system chose and closes the socket again.
    static func take() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw FixtureError("socket() failed") }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic -> Bool in
                bind(descriptor, generic, length) == 0 && getsockname(descriptor, generic, &length) == 0
            }
        }
        guard bound else { throw FixtureError("bind() failed") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
