import Foundation
import KetenpoortStore
import XCTest

/// One exit-code scheme for every command: 0 ok, 1 refused/invalid/not found, 2 usage error or unusable
/// store/file — never ArgumentParser's 64; and `audit export --since` takes the durations `report --since` takes.
final class ExitCodeSchemeTests: XCTestCase {
    func testUsageErrorsExit2InEveryKindOfCommand() async throws {
        let (directory, _) = try makeStore(self)
        let usageErrors: [[String]] = [
            ["queue", "status", "--no-such-option"],
            ["report", "--state-dir", directory],                              // missing --since
            ["validate"],                                                      // missing file argument
            ["audit", "export", "--state-dir", directory, "--since", "yesterday-ish"],
            ["certs", "check", "--config", "x.yaml", "--warn-days", "many"],   // malformed value
            ["no-such-command"],
            ["queue", "status"],                                               // neither --state-dir nor --config
        ]
        for arguments in usageErrors {
            let result = try await CLIRunner.run(arguments)
            XCTAssertEqual(result.status, 2, "\(arguments.joined(separator: " ")): \(result.stderr)")
            XCTAssertFalse(result.stderr.isEmpty, arguments.joined(separator: " "))
        }
        let help = try await CLIRunner.run(["queue", "status", "--help"])
        XCTAssertEqual(help.status, 0, help.stderr)
        XCTAssertTrue(help.stdout.contains("--state-dir"), help.stdout)
    }

    func testAuditExportSinceTakesTheDurationsReportTakes() async throws {
        let (directory, store) = try makeStore(self)
        try await store.record(event: .payloadRead, messageId: "old", partner: "", actor: .operator("tester"),
                               detail: "test", now: Date().addingTimeInterval(-3 * 86_400))
        try await store.record(event: .payloadRead, messageId: "recent", partner: "", actor: .operator("tester"),
                               detail: "test", now: Date().addingTimeInterval(-3_600))
        for since in ["24h", "2d", "90m"] {
            let report = try await CLIRunner.run(["report", "--since", since, "--state-dir", directory])
            XCTAssertEqual(report.status, 0, "report --since \(since): \(report.stderr)")
            let export = try await CLIRunner.run(["audit", "export", "--state-dir", directory, "--since", since])
            XCTAssertEqual(export.status, 0, "audit export --since \(since): \(export.stderr)")
            XCTAssertTrue(export.stdout.contains("\"message_id\":\"recent\""), export.stdout)
            XCTAssertFalse(export.stdout.contains("\"message_id\":\"old\""), export.stdout)
        }
        let all = try await CLIRunner.run(["audit", "export", "--state-dir", directory, "--since", "2020-01-01"])
        XCTAssertEqual(all.status, 0, all.stderr)
        XCTAssertTrue(all.stdout.contains("\"message_id\":\"old\""), all.stdout)
    }
}
