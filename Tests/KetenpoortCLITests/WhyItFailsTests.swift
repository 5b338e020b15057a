import Foundation
import KetenpoortPKI
import KetenpoortStore
import XCTest

/// An operator sees why a delivery fails (`queue show`, `--json`), and `submit` to a stopped gateway fails at once.
final class WhyItFailsTests: XCTestCase {
    func testQueueShowPrintsTheStoredErrorTextOfTheFailedAttempt() async throws {
        let filled = try await FilledStore.make(self)
        let text = "connection refused by https://shn.example:9501 (nothing listens on that port)"
        let leased = try await filled.store.leaseEveryPartner(owner: "test-courier", perPartner: 1_000, leaseDuration: 60, now: Date())
        let shn = try XCTUnwrap(leased.first { $0.delivery.partner == "shn" })
        _ = try await filled.store.deferDelivery(shn.delivery.id, owner: "test-courier", token: shn.token,
                                                 until: Date().addingTimeInterval(600), errorClass: .connection,
                                                 errorText: text, now: Date())
        let id = try filled.message("shn")

        let shown = try await filled.cli("queue", "show", id)
        assertExit(shown, 0)
        XCTAssertTrue(shown.stdout.contains("attempt 1 error: \(text)"), shown.stdout)

        let json = try await filled.cli("queue", "show", id, "--json")
        assertExit(json, 0)
        let delivery = try XCTUnwrap((try json.object()["deliveries"] as? [[String: Any]])?.first)
        XCTAssertEqual(delivery["last_error_text"] as? String, text)
        let attempt = try XCTUnwrap((delivery["attempt_history"] as? [[String: Any]])?.first)
        XCTAssertEqual(attempt["error_class"] as? String, "connection")
        XCTAssertEqual(attempt["error_text"] as? String, text)
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
