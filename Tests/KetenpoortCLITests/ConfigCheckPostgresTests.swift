import Foundation
import XCTest

/// `ketenpoort config check` with a PostgreSQL store: it connects to the real test server and prints what is wrong under `store:`.
final class ConfigCheckPostgresTests: XCTestCase {
    private typealias Setup = PostgresGatewayConfig

    private func setUpConfiguration(database: String? = nil, replacing changes: [(String, String)] = []) throws -> Setup {
        try PostgresGatewayConfig.make(for: self, database: database, replacing: changes)
    }

    private func storeErrors(_ result: CLIResult) -> [String] {
        result.stdout.split(separator: "\n").map(String.init).filter { $0.contains(": error: ") }
    }

    func testConnectsAndReportsADatabaseWithoutTheSchemaUnderStore() async throws {
        let setup = try setUpConfiguration()
        let result = try await CLIRunner.run(["config", "check", setup.file])
        assertExit(result, 1)
        let errors = storeErrors(result)
        XCTAssertEqual(errors.count, 1, result.stdout)
        XCTAssertTrue(errors.first?.hasPrefix("\(setup.file): error: store: ") ?? false, result.stdout)
        XCTAssertTrue(errors.first?.contains(setup.database) ?? false, result.stdout)
        XCTAssertFalse(result.stdout.contains(": ok ("), result.stdout)
    }

    func testAMigratedDatabasePassesAndTheCheckSaysWhereItConnected() async throws {
        let setup = try setUpConfiguration()
        assertExit(try await CLIRunner.run(["store", "migrate", "--config", setup.file]), 0)
        let result = try await CLIRunner.run(["config", "check", setup.file])
        assertExit(result, 0)
        XCTAssertEqual(storeErrors(result), [])
        let server = try TestPostgresServer.fromEnvironment()
        XCTAssertTrue(result.stdout.contains("\(setup.file): store: connected to \(server.user)@\(server.host):\(server.port)/\(setup.database); "
                                             + "the schema is usable"), result.stdout)
        XCTAssertTrue(result.stdout.contains(": ok ("), result.stdout)
    }

    func testAWrongPasswordIsReportedUnderStoreWithoutThePassword() async throws {
        let setup = try setUpConfiguration()
        let wrong = "wrong-" + UUID().uuidString
        try (wrong + "\n").write(toFile: setup.secrets + "/postgres-password", atomically: false, encoding: .utf8)
        let result = try await CLIRunner.run(["config", "check", setup.file])
        assertExit(result, 1)
        let errors = storeErrors(result)
        XCTAssertEqual(errors.count, 1, result.stdout)
        let server = try TestPostgresServer.fromEnvironment()
        XCTAssertTrue(errors.first?.contains("error: store: cannot reach \(server.user)@\(server.host):\(server.port)/\(setup.database)") ?? false,
                      result.stdout)
        XCTAssertFalse(result.stdout.contains(wrong) || result.stderr.contains(wrong))
    }

    func testAServerCertificateFromAnotherCAIsRefused() async throws {
        let pki = try PipelineFixture.pki.get()
        let setup = try setUpConfiguration()
        try FileManager.default.removeItem(atPath: setup.secrets + "/postgres-ca.pem")
        try FileManager.default.copyItem(atPath: pki.directory + "/ca.pem", toPath: setup.secrets + "/postgres-ca.pem")
        let result = try await CLIRunner.run(["config", "check", setup.file])
        assertExit(result, 1)
        XCTAssertEqual(storeErrors(result).count, 1, result.stdout)
        XCTAssertTrue(storeErrors(result).first?.contains("error: store: cannot reach") ?? false, result.stdout)
    }

    func testAStoreSectionWithStaticProblemsIsNotConnectedTo() async throws {
        let setup = try setUpConfiguration(database: "never_created", replacing: [("    mode: verify-full", "    mode: verify-fll")])
        let invalid = try await CLIRunner.run(["config", "check", setup.file])
        assertExit(invalid, 2)
        XCTAssertTrue(invalid.stdout.contains("error: store.tls.mode: must be disable, verify-ca or verify-full, not 'verify-fll'"), invalid.stdout)

        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: setup.secrets + "/ketenpoort-kek")
        let fixed = try String(contentsOfFile: setup.file, encoding: .utf8).replacingOccurrences(of: "verify-fll", with: "verify-full")
        try fixed.write(toFile: setup.file, atomically: true, encoding: .utf8)
        let shared = try await CLIRunner.run(["config", "check", setup.file])
        assertExit(shared, 1)
        XCTAssertEqual(storeErrors(shared).count, 1, shared.stdout)
        XCTAssertTrue(storeErrors(shared).first?.contains("error: store.keyEncryptionKeyFile: ") ?? false, shared.stdout)
        XCTAssertTrue(shared.stdout.contains("store: not connecting to"), shared.stdout)
    }
}
