import Foundation
import KetenpoortCommandLine
import KetenpoortServer

/// The store of one benchmark run: SQLite (nothing to prepare), or a fresh PostgreSQL database on a server this run
/// found or started; `finish` drops the database and stops a server started here.
struct BenchStore: Sendable {
    /// `sqlite` or `postgres`.
    let kind: BenchStoreKind
    /// Gateway nodes (1 on SQLite).
    let nodes: Int
    /// The run's PostgreSQL database, if postgres.
    let database: BenchPostgresDatabase?
    /// The directory of the key-encryption-key file, if postgres.
    private let keyDirectory: URL?

    /// Prepares the store the options name.
    static func prepare(_ options: BenchStoreOptions) async throws -> BenchStore {
        try await prepare(kind: options.store, nodes: options.nodes, postgresEnvFile: options.postgresEnvFile)
    }

    /// Prepares a store of `kind` for `nodes` gateways.
    static func prepare(kind: BenchStoreKind, nodes: Int, postgresEnvFile: String?) async throws -> BenchStore {
        guard kind == .postgres else { return BenchStore(kind: .sqlite, nodes: 1, database: nil, keyDirectory: nil) }
        let server = try await BenchPostgresServer.obtain(envFile: postgresEnvFile)
        let keyDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("kp-bench-kek-\(UUID().uuidString)")
        do {
            try FileManager.default.createDirectory(at: keyDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            let database = try await BenchPostgresDatabase.create(on: server, directory: keyDirectory)
            return BenchStore(kind: .postgres, nodes: max(1, nodes), database: database, keyDirectory: keyDirectory)
        } catch {
            try? FileManager.default.removeItem(at: keyDirectory)
            await server.finish(keep: false)
            throw error
        }
    }

    /// The gateways' `store:` section (nil: SQLite in the state directory).
    var storeSection: GatewayConfiguration.Store? { database?.storeSection }

    /// `sqlite` or `postgres, N nodes`, for reports.
    var label: String { kind == .sqlite ? "sqlite" : "postgres, \(nodes) node\(nodes == 1 ? "" : "s")" }

    /// CPU seconds of the PostgreSQL server so far (nil on SQLite or if it cannot be read).
    func databaseCPUSeconds() -> Double? { database?.server.cpuSeconds() }

    /// Drops the database and deletes its key file (unless `keep`), and stops a server this run started.
    func finish(keep: Bool) async {
        guard let database else { return }
        if keep {
            printError("kept PostgreSQL database \(database.name) on \(database.server.host):\(database.server.port); "
                       + "key-encryption key \(database.keyEncryptionKeyFile)"
                       + (database.server.startedHere ? "; the server still runs: stop it with `scripts/postgres-test-cluster stop "
                          + database.server.clusterDirectory + "`" : ""))
            return
        }
        do { try await database.server.dropDatabase(database.name) } catch { printError("could not drop database \(database.name): \(error)") }
        if let keyDirectory { try? FileManager.default.removeItem(at: keyDirectory) }
        await database.server.finish(keep: false)
    }
}
