import Foundation
import KetenpoortServer
import XCTest

/// The configuration of when tree heads are signed: defaults, turning the record count off, and nonsense refused.
final class AuditSettingsTests: XCTestCase {
    private func configuration() throws -> GatewayConfiguration {
        try RunningGateway.makeConfiguration(partners: [:], stateDirectory: nil,
                                             retry: .init(initialDelaySeconds: 1, maxDelaySeconds: 10, maxAgeHours: 1, jitter: 0))
    }

    func testDefaultsToEveryThousandRecordsAndZeroTurnsItOff() throws {
        XCTAssertEqual(AuditSettings().effectiveCheckpointEveryRecords, 1000)
        XCTAssertNil(AuditSettings(checkpointEveryRecords: 0).effectiveCheckpointEveryRecords)
        let decoded = try JSONDecoder().decode(AuditSettings.self, from: Data(#"{"checkpointEveryRecords": 250}"#.utf8))
        XCTAssertEqual(decoded.effectiveCheckpointEveryRecords, 250)
    }

    func testNegativeCountAndZeroIntervalAreProblems() throws {
        var configuration = try configuration()
        XCTAssertEqual(ConfigurationCheck.auditProblems(configuration), [])
        configuration.audit = AuditSettings(checkpointEveryRecords: -5)
        configuration.checkpointIntervalSeconds = 0
        let check = ConfigurationCheck(configuration)
        XCTAssertTrue(check.problems.contains { $0.key == "audit.checkpointEveryRecords" }, check.problems.map(\.description).joined(separator: "\n"))
        XCTAssertTrue(check.problems.contains { $0.key == "checkpointIntervalSeconds" }, check.problems.map(\.description).joined(separator: "\n"))
    }
}
