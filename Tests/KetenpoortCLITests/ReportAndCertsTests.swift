import Foundation
import KetenpoortPKI
import KetenpoortStore
import XCTest

/// `report`, `certs check`, help texts and shell completions.
final class ReportAndCertsTests: XCTestCase {
    func testReportCountsPerPartnerAndKindWithPercentiles() async throws {
        let filled = try await FilledStore.make(self)
        let courier = FakeCourier(store: filled.store)
        try await courier.run(partner: "shn", .deliver)
        try await courier.run(partner: "vt-haaglanden", .fail)

        let result = try await filled.cli("report", "--since", "1d", "--json")
        assertExit(result, 0)
        let rows = try XCTUnwrap(try result.object()["rows"] as? [[String: Any]])
        XCTAssertEqual(rows.count, 4)
        let shn = try XCTUnwrap(rows.first { $0["partner"] as? String == "shn" })
        XCTAssertEqual(shn["kind"] as? String, "Slachtofferverwijzing")
        XCTAssertEqual(shn["accepted"] as? Int, 1)
        XCTAssertEqual(shn["delivered"] as? Int, 1)
        XCTAssertNotNil(shn["delivery_seconds_p95"] as? Double)
        let haaglanden = try XCTUnwrap(rows.first { $0["partner"] as? String == "vt-haaglanden" })
        XCTAssertEqual(haaglanden["failed"] as? Int, 1)
        XCTAssertNil(haaglanden["delivery_seconds_p50"] as? Double)
        let amsterdam = try XCTUnwrap(rows.first { $0["partner"] as? String == "vt-amsterdam-amstelland" })
        XCTAssertEqual(amsterdam["pending"] as? Int, 1)

        let csv = try await filled.cli("report", "--since", "1d", "--csv")
        assertExit(csv, 0)
        let lines = csv.stdout.split(separator: "\n")
        XCTAssertEqual(lines.first, "partner,kind,accepted,delivered,failed,pending,delivery_seconds_p50,delivery_seconds_p95")
        XCTAssertEqual(lines.count, 5)

        let future = try await filled.cli("report", "--since", "2099-01-01", "--json")
        XCTAssertEqual((try future.object()["rows"] as? [Any])?.count, 0)
        assertExit(try await filled.cli("report", "--since", "yesterday"), 2)
    }

    func testCertsCheckListsOwnAndPartnerCertificatesAndHonoursThreshold() async throws {
        let pki = try PipelineFixture.pki.get()
        let example = try String(contentsOf: PipelineFixture.repository.appendingPathComponent("Examples/config/gateway.yaml"), encoding: .utf8)
        var config = example.replacingOccurrences(of: "../../dev-pki/", with: pki.directory + "/")
            .replacingOccurrences(of: "../routing/", with: PipelineFixture.repository.path + "/Examples/routing/")
        // SHN rolls its receipt-signing certificate over: two trusted certificates.
        config = config.replacingOccurrences(
            of: "signingCertificates: [\(pki.directory)/shn-sign.pem]",
            with: "signingCertificates: [\(pki.directory)/shn-sign.pem, \(pki.directory)/shn-tls.pem]")
        let file = NSTemporaryDirectory() + "kp-cli-config-" + UUID().uuidString + ".yaml"
        try config.write(toFile: file, atomically: true, encoding: .utf8)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: file) }

        let ok = try await CLIRunner.run(["certs", "check", "--config", file, "--json"])
        assertExit(ok, 0)
        let rows = try XCTUnwrap(try ok.object()["certificates"] as? [[String: Any]])
        let shn = rows.filter { ($0["role"] as? String)?.hasPrefix("partner shn") ?? false }
        XCTAssertEqual(shn.count, 2)
        XCTAssertTrue(shn.allSatisfy { $0["oin"] as? String == "00000099000000000101" })
        let own = try XCTUnwrap(rows.first { $0["role"] as? String == "own: signing" })
        XCTAssertEqual(own["oin"] as? String, "00000099000000000900")
        XCTAssertTrue((360...366) ~= (own["days_left"] as? Int ?? 0))

        let due = try await CLIRunner.run(["certs", "check", "--config", file, "--warn-days", "400"])
        assertExit(due, 1)
        XCTAssertTrue(due.stdout.contains("expires within 400 days"), due.stdout)

        let missing = try await CLIRunner.run(["certs", "check", "--config", file + ".missing"])
        assertExit(missing, 2)
    }

    func testHelpHasExamplesAndCompletionsNameTheCommands() async throws {
        for command in [["queue", "status"], ["queue", "list"], ["queue", "show"], ["queue", "retry"], ["queue", "hold"],
                        ["queue", "release"], ["queue", "purge"], ["trail"], ["report"], ["certs", "check"]] {
            let help = try await CLIRunner.run(command + ["--help"])
            assertExit(help, 0)
            XCTAssertTrue(help.stdout.contains("Example"), "\(command) --help has no example: \(help.stdout)")
        }
        let completion = try await CLIRunner.run(["--generate-completion-script", "bash"])
        assertExit(completion, 0)
        XCTAssertTrue(completion.stdout.contains("queue") && completion.stdout.contains("trail"))
    }
}
