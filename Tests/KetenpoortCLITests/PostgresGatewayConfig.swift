import Foundation
import XCTest

/// The example `gateway-postgres.yaml` pointed at the test PostgreSQL, the development PKI and fresh secret files.
struct PostgresGatewayConfig {
    /// The configuration file.
    let file: String
    /// The fresh database it names.
    let database: String
    /// The directory with the password, KEK and CA files (removed after the test).
    let secrets: String

    /// Writes the configuration for a fresh database (or `database`), applying `changes` to the example's text.
    static func make(for test: XCTestCase, database: String? = nil, replacing changes: [(String, String)] = []) throws -> PostgresGatewayConfig {
        let server = try TestPostgresServer.fromEnvironment()
        let pki = try PipelineFixture.pki.get()
        let name = try database ?? server.freshDatabase(for: test)
        let secrets = NSTemporaryDirectory() + "kp-cli-pg-secrets-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: secrets, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        test.addTeardownBlock { try? FileManager.default.removeItem(atPath: secrets) }
        let kek = Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString() + "\n"
        XCTAssertTrue(FileManager.default.createFile(atPath: secrets + "/ketenpoort-kek", contents: Data(kek.utf8),
                                                     attributes: [.posixPermissions: 0o600]))
        try FileManager.default.copyItem(atPath: server.passwordFile, toPath: secrets + "/postgres-password")
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: secrets + "/postgres-password")
        try FileManager.default.copyItem(atPath: server.caFile, toPath: secrets + "/postgres-ca.pem")
        let example = try String(contentsOf: PipelineFixture.repository.appendingPathComponent("Examples/config/gateway-postgres.yaml"),
                                 encoding: .utf8)
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
        return PostgresGatewayConfig(file: file, database: name, secrets: secrets)
    }
}
