import Foundation
import KetenpoortPostgres

/// A fresh database on the test PostgreSQL cluster (`scripts/postgres-test-cluster`), with its own key-encryption key.
///
/// Every connection it makes is TLS `verify-full` with the cluster's CA, as the settings it hands out are, so every
/// PostgreSQL test also exercises TLS and scram-sha-256 login.
public final class PostgresTestDatabase: Sendable {
    /// Settings for the new database: TLS verify-full, the test role's password file, a fresh key-encryption-key file.
    public let settings: PostgresSettings
    /// The cluster the database lives on.
    public let cluster: PostgresTestCluster
    /// The temporary directory holding the key-encryption-key file.
    private let keyDirectory: String

    /// Creates database `kp_test_<random>` on the test cluster and a key-encryption-key file in a temporary directory.
    ///
    /// Throws ``PostgresTestClusterMissing`` when the environment names no test cluster: a test that needs PostgreSQL
    /// fails then, it never skips.
    public static func create(maximumConnections: Int = 8, operationTimeout: TimeInterval = 10) async throws -> PostgresTestDatabase {
        let cluster = try PostgresTestCluster.fromEnvironment()
        let name = "kp_test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        let keyDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("kp-pg-kek-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: keyDirectory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        do {
            let keyFile = keyDirectory + "/key-encryption-key"
            _ = try KeyEncryptionKey.create(file: keyFile)
            try await cluster.administer("CREATE DATABASE \(name)")
            var settings = cluster.settings(database: name)
            settings.keyEncryptionKeyFile = keyFile
            settings.maximumConnections = maximumConnections
            settings.operationTimeout = operationTimeout
            return PostgresTestDatabase(settings: settings, cluster: cluster, keyDirectory: keyDirectory)
        } catch {
            try? FileManager.default.removeItem(atPath: keyDirectory)
            throw error
        }
    }

    private init(settings: PostgresSettings, cluster: PostgresTestCluster, keyDirectory: String) {
        self.settings = settings
        self.cluster = cluster
        self.keyDirectory = keyDirectory
    }

    /// Drops the database (ending any connection still on it) and deletes the key-encryption-key file.
    public func drop() async throws {
        defer { try? FileManager.default.removeItem(atPath: keyDirectory) }
        try await cluster.administer("DROP DATABASE IF EXISTS \(settings.database) WITH (FORCE)")
    }

    /// Runs raw SQL statements in order on this database as the superuser test role (tests that tamper with the data).
    public func execute(_ statements: [String]) async throws {
        try await cluster.administer(statements, database: settings.database)
    }

    /// Stops the PostgreSQL server, waits `secondsDown`, and starts it again on the same port with the same data.
    public func restartServer(secondsDown: Double = 0) async throws {
        try await cluster.restart(secondsDown: secondsDown)
    }
}
