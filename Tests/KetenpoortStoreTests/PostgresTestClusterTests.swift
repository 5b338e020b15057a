import Foundation
import KetenpoortTesting
import XCTest

/// `scripts/postgres-test-cluster`: the cluster it makes is configured as the tests rely on, and start/stop clean up.
final class PostgresTestClusterTests: XCTestCase {
    func testTheClusterIsDurableTLSOnlyWithScramAndTrustOnlyForPostgresOnTheSocket() async throws {
        let cluster = try PostgresTestCluster.fromEnvironment()
        let settings = try await cluster.texts("""
            SELECT current_setting('ssl'), current_setting('fsync'), current_setting('synchronous_commit'),
                   current_setting('password_encryption'), current_setting('listen_addresses')
            """)
        XCTAssertEqual(settings, [["on", "on", "on", "scram-sha-256", "127.0.0.1"]])
        let role = try await cluster.texts("SELECT rolsuper::text FROM pg_roles WHERE rolname = current_user")
        XCTAssertEqual(role, [["true"]])
        let rules = try await cluster.texts("""
            SELECT type, array_to_string(database, ','), array_to_string(user_name, ','), coalesce(address, ''), auth_method
            FROM pg_hba_file_rules ORDER BY line_number
            """)
        XCTAssertEqual(rules, [
            ["local", "all", "postgres", "", "trust"],
            ["hostssl", "all", "all", "127.0.0.1", "scram-sha-256"],
            ["host", "all", "all", "127.0.0.1", "scram-sha-256"],
        ])
        let passwordMode = try FileManager.default.attributesOfItem(atPath: cluster.passwordFile)[.posixPermissions] as? NSNumber
        XCTAssertEqual(passwordMode?.intValue, 0o600)
        let socketType = try FileManager.default.attributesOfItem(atPath: cluster.socketPath)[.type] as? FileAttributeType
        XCTAssertEqual(socketType, .typeSocket)
    }

    func testStartMakesAClusterThatAnswersAndStopRemovesIt() async throws {
        let scratch = try makeStateDirectory(self)
        let output = scratch + "/start-output"
        let started = try await PostgresTestCluster.runScript(["start"], outputFile: output)
        XCTAssertEqual(started, 0)
        let envPath = try String(contentsOfFile: output, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let directory = URL(fileURLWithPath: envPath).deletingLastPathComponent().path
        addTeardownBlock { _ = try? await PostgresTestCluster.runScript(["stop", directory]) }
        XCTAssertTrue(envPath.hasSuffix("/env"), envPath)

        var environment: [String: String] = [:]
        for line in try String(contentsOfFile: envPath, encoding: .utf8).split(separator: "\n") {
            let assignment = line.replacingOccurrences(of: "export ", with: "")
            guard let equals = assignment.firstIndex(of: "=") else { continue }
            environment[String(assignment[..<equals])] = String(assignment[assignment.index(after: equals)...])
        }
        XCTAssertEqual(Set(environment.keys), Set(["HOST", "PORT", "USER", "PASSWORD_FILE", "CA_FILE", "SOCKET", "DATA", "BIN"]
            .map { "KETENPOORT_TEST_POSTGRES_" + $0 }))
        let second = try PostgresTestCluster.fromEnvironment(environment)
        let current = try PostgresTestCluster.fromEnvironment()
        XCTAssertNotEqual(second.port, current.port, "a second cluster gets a port of its own")
        let answer = try await second.texts("SELECT 'up'")
        XCTAssertEqual(answer, [["up"]])

        let refused = try await PostgresTestCluster.runScript(["stop", scratch])
        XCTAssertNotEqual(refused, 0, "stop must refuse a directory that start did not make")
        XCTAssertTrue(FileManager.default.fileExists(atPath: output), "and leave it alone")
        let stopped = try await PostgresTestCluster.runScript(["stop", directory])
        XCTAssertEqual(stopped, 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory))
        do {
            _ = try await second.texts("SELECT 'up'")
            XCTFail("the stopped cluster must not answer")
        } catch {}
    }
}
