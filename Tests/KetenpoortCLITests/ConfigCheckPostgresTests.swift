import Foundation
import XCTest

/// `ketenpoort config check` with a PostgreSQL store: it connects to the real test server and prints what is wrong under `store:`.
final class ConfigCheckPostgresTests: XCTestCase {
    /// The example `gateway-postgres.yaml` pointed at the test server, the development PKI and fresh secret files.
    private struct Setup {
        let file: String
        let database: String
        let secrets: String
    }

    private func setUpConfiguration(database: String? = nil, replacing changes: [(String, String)] = []) throws -> Setup {
        let server = try TestPostgresServer.fromEnvironment()
        let pki = try PipelineFixture.pki.get()
        let name = try database ?? server.freshDatabase(for: self)
        let secrets = NSTemporaryDirectory() + "kp-cli-pg-secrets-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: secrets, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        addTeardownBlock { try? FileManager.default.removeItem(atPath: secrets) }
        let kek = Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString() + "\n"
        XCTAssertTrue(FileManager.default.createFile(atPath: secrets + "/ketenpoort-kek", contents: Data(kek.utf8), attributes: [.posixPermissions: 0o600]))
        try FileManager.default.copyItem(atPath: server.passwordFile, toPath: secrets + "/postgres-password")
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: secrets + "/postgres-password")
        try FileManager.default.copyItem(atPath: server.caFile, toPath: secrets + "/postgres-ca.pem")

        let example = try String(contentsOf: PipelineFixture.repository.appendingPathComponent("Examples/config/gateway-postgres.yaml"), encoding: .utf8)
        var config = example.replacingOccurrences(of: "../../dev-pki/", with: pki.directory + "/")
            .replacingOccurrences(of: "../routing/", with: PipelineFixture.repository.path + "/Examples/routing/")
            .replacingOccurrences(of: "../../secrets/", with: secrets + "/")
            .replacingOccurrences(of: "stateDirectory: ../../state", with: "stateDirectory: \(secrets)/state")
            .replacingOccurrences(of: "host: pg-primary.ketenpoort.example", with: "host: \(server.host)")
            .replacingOccurrences(of: "port: 5432", with: "port: \(server.port)")
            .replacingOccurrences(of: "database: ketenpoort", with: "database: \(name)")
            .replacingOccurrences(of: "user: ketenpoort", with: "user: \(server.user)")
        for (old, new) in changes {
            XCTAssertTrue(config.contains(old), "the example has no '\(old)'")
            config = config.replacingOccurrences(of: old, with: new)
        }
        let file = secrets + "/gateway.yaml"
        try config.write(toFile: file, atomically: true, encoding: .utf8)
        return Setup(file: file, database: name, secrets: secrets)
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
