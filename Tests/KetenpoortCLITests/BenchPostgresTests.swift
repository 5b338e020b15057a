import Foundation
import XCTest

/// `ketenpoort-bench intake|e2e|chaos --store postgres --nodes N` against the test PostgreSQL (KETENPOORT_TEST_POSTGRES_*).
final class BenchPostgresTests: XCTestCase {
    func testSeveralNodesNeedPostgres() async throws {
        let result = try await CLIRunner.run(["intake", "--nodes", "2", "--seconds", "1"], program: "ketenpoort-bench")
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("--nodes 2 needs --store postgres"), result.stderr)
    }

    func testE2EComparesSQLiteWithTwoPostgresNodes() async throws {
        _ = try TestPostgresServer.fromEnvironment()
        let result = try await CLIRunner.run(["e2e", "--store", "postgres", "--nodes", "2", "--compare-stores", "--seconds", "2",
                                              "--warmup", "0", "--openssl-seconds", "0", "--connections", "4", "--json"],
                                             program: "ketenpoort-bench")
        XCTAssertEqual(result.status, 0, result.stderr)
        let reports = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]], result.stdout)
        XCTAssertEqual(reports.map { $0["store"] as? String }, ["sqlite", "postgres, 2 nodes"])
        XCTAssertNil(reports[0]["databaseCPUSeconds"])
        XCTAssertGreaterThan(reports[1]["databaseCPUSeconds"] as? Double ?? 0, 0)
        XCTAssertGreaterThan(reports[1]["databaseCPUMsPerMessage"] as? Double ?? 0, 0)
        for report in reports {
            let accepted = report["accepted"] as? Int ?? 0
            XCTAssertGreaterThan(accepted, 0)
            XCTAssertGreaterThan(report["gatewayCPUMsPerMessage"] as? Double ?? 0, 0)
            let endToEnd = try XCTUnwrap(report["endToEnd"] as? [String: Any])
            XCTAssertEqual(endToEnd["delivered"] as? Int, accepted)
        }
    }

    func testChaosOnThreePostgresNodesLosesNothing() async throws {
        _ = try TestPostgresServer.fromEnvironment()
        let result = try await CLIRunner.run(["chaos", "--store", "postgres", "--nodes", "3", "--seconds", "20", "--kills", "4",
                                              "--rate", "20", "--database-down", "1", "--json"], program: "ketenpoort-bench")
        XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
        let report = try result.object()
        XCTAssertEqual(report["store"] as? String, "postgres, 3 nodes")
        let faults = try XCTUnwrap(report["faults"] as? [String: Any])
        XCTAssertEqual(faults["gatewayKills"] as? Int, 4)
        XCTAssertEqual(faults["databaseRestarts"] as? Int, 1)
        let verdict = try XCTUnwrap(report["verdict"] as? [String: Any])
        XCTAssertEqual(verdict["lost"] as? Int, 0)
        XCTAssertEqual(verdict["duplicates"] as? Int, 0)
        XCTAssertEqual(verdict["stuck"] as? Int, 0)
        XCTAssertEqual(verdict["auditVerified"] as? Bool, true)
        XCTAssertGreaterThan(verdict["acknowledged"] as? Int ?? 0, 0)
        let takeover = try XCTUnwrap(report["takeover"] as? [String: Any])
        // A dead node's leases come back within store.nodeDeadAfterSeconds (6) + a heartbeat (1), with slack for a debug build.
        XCTAssertLessThan(takeover["longestKillToReturnSeconds"] as? Double ?? 99, 20)
        XCTAssertEqual((report["nodeKills"] as? [Any])?.count, 4)
    }
}
