import Foundation
import KetenpoortPostgres
import KetenpoortServer

/// The PostgreSQL server a benchmark runs against: one named by an env file or the `KETENPOORT_TEST_POSTGRES_*`
/// environment, or a throw-away one started here with `scripts/postgres-test-cluster` (and stopped again by `finish`).
final class BenchPostgresServer: Sendable {
    /// The server's address.
    let host: String
    /// The server's TCP port.
    let port: Int
    /// The superuser role the benchmark logs in as (it creates and drops the run's database).
    let user: String
    /// The file holding that role's password.
    let passwordFile: String
    /// The CA certificate (PEM) of the server's TLS certificate.
    let caFile: String
    /// The server's data directory (its parent is the cluster directory the script restarts).
    let dataDirectory: String
    /// The directory of the server binaries (psql), or nil to take psql from PATH.
    let binDirectory: String?
    /// Whether this run started the server (and so stops it at the end).
    let startedHere: Bool

    /// The variables an env file of `scripts/postgres-test-cluster start` sets.
    static let variableNames = ["HOST", "PORT", "USER", "PASSWORD_FILE", "CA_FILE", "DATA"].map { "KETENPOORT_TEST_POSTGRES_" + $0 }

    private init(variables: [String: String], startedHere: Bool) throws {
        let missing = Self.variableNames.filter { (variables[$0] ?? "").isEmpty }
        guard missing.isEmpty, let port = variables["KETENPOORT_TEST_POSTGRES_PORT"].flatMap({ Int($0) }) else {
            throw BenchError("the PostgreSQL environment lacks \(missing.isEmpty ? "a numeric KETENPOORT_TEST_POSTGRES_PORT" : missing.joined(separator: ", "))")
        }
        host = variables["KETENPOORT_TEST_POSTGRES_HOST"] ?? ""
        self.port = port
        user = variables["KETENPOORT_TEST_POSTGRES_USER"] ?? ""
        passwordFile = variables["KETENPOORT_TEST_POSTGRES_PASSWORD_FILE"] ?? ""
        caFile = variables["KETENPOORT_TEST_POSTGRES_CA_FILE"] ?? ""
        dataDirectory = variables["KETENPOORT_TEST_POSTGRES_DATA"] ?? ""
        binDirectory = variables["KETENPOORT_TEST_POSTGRES_BIN"].flatMap { $0.isEmpty ? nil : $0 }
        self.startedHere = startedHere
    }

    /// The server of `envFile`, else of the environment, else a new throw-away one.
    static func obtain(envFile: String?, environment: [String: String] = ProcessInfo.processInfo.environment) async throws -> BenchPostgresServer {
        if let envFile { return try BenchPostgresServer(variables: try parseEnvFile(envFile), startedHere: false) }
        if !(environment["KETENPOORT_TEST_POSTGRES_PORT"] ?? "").isEmpty {
            return try BenchPostgresServer(variables: environment, startedHere: false)
        }
        let output = try await BenchTool.run(try clusterScript(), ["start"])
        guard output.status == 0, let file = output.text.split(separator: "\n").last.map(String.init) else {
            throw BenchError("scripts/postgres-test-cluster start failed (status \(output.status)): \(output.text)")
        }
        return try BenchPostgresServer(variables: try parseEnvFile(file), startedHere: true)
    }

    /// The `KEY=value` pairs of an env file (`export KEY=value` lines; other lines are ignored).
    static func parseEnvFile(_ path: String) throws -> [String: String] {
        guard let data = FileManager.default.contents(atPath: path) else { throw BenchError("cannot read the PostgreSQL env file \(path)") }
        var variables: [String: String] = [:]
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            var text = line.trimmingCharacters(in: .whitespaces)
            if text.hasPrefix("export ") { text = String(text.dropFirst(7)) }
            guard let equals = text.firstIndex(of: "="), !text.hasPrefix("#") else { continue }
            variables[String(text[..<equals])] = String(text[text.index(after: equals)...])
        }
        return variables
    }

    /// `scripts/postgres-test-cluster` of the source checkout this binary was built from.
    static func clusterScript() throws -> String {
        // This file is Benchmarks/GatewayBench/BenchPostgresServer.swift in the checkout.
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let script = root.appendingPathComponent("scripts/postgres-test-cluster").path
        guard FileManager.default.isExecutableFile(atPath: script) else {
            throw BenchError("no PostgreSQL named (--postgres-env or KETENPOORT_TEST_POSTGRES_*) and no \(script) to start one: "
                             + "run `scripts/postgres-test-cluster start` in a checkout and pass its env file with --postgres-env")
        }
        return script
    }

    /// The cluster directory `scripts/postgres-test-cluster restart|stop` take.
    var clusterDirectory: String { URL(fileURLWithPath: dataDirectory).deletingLastPathComponent().path }

    /// Creates database `name`.
    func createDatabase(_ name: String) async throws {
        try await administer("CREATE DATABASE \(name)")
    }

    /// Drops database `name`, ending any connection still on it.
    func dropDatabase(_ name: String) async throws {
        try await administer("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
    }

    /// The `store:` section for a gateway on database `name`: TLS verify-full with the server's CA, the role's password.
    func storeSection(database name: String, keyEncryptionKeyFile: String) -> GatewayConfiguration.Store {
        GatewayConfiguration.Store(kind: .postgres, host: host, port: port, database: name, user: user, passwordFile: passwordFile,
                                   tls: .init(mode: .verifyFull, ca: caFile), keyEncryptionKeyFile: keyEncryptionKeyFile)
    }

    /// Stops the server, waits `secondsDown`, starts it again (`scripts/postgres-test-cluster restart`).
    func restart(secondsDown: Double) async throws {
        let output = try await BenchTool.run(try Self.clusterScript(), ["restart", clusterDirectory, String(secondsDown)])
        guard output.status == 0 else { throw BenchError("postgres-test-cluster restart failed (status \(output.status)): \(output.text)") }
    }

    /// Stops the server if this run started it (and `keep` is false).
    func finish(keep: Bool) async {
        guard startedHere, !keep, let script = try? Self.clusterScript() else { return }
        _ = try? await BenchTool.run(script, ["stop", clusterDirectory])
    }

    /// CPU seconds of the whole server so far: the postmaster and its live children, plus what its exited children used.
    func cpuSeconds() -> Double? {
        guard let text = try? String(contentsOfFile: dataDirectory + "/postmaster.pid", encoding: .utf8),
              let pid = text.split(separator: "\n").first.flatMap({ Int32($0.trimmingCharacters(in: .whitespaces)) }) else { return nil }
        return ProcessMetrics.treeCPUSeconds(root: pid)
    }

    private func administer(_ sql: String) async throws {
        let password = try String(contentsOfFile: passwordFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let psql = binDirectory.map { $0 + "/psql" } ?? "/usr/bin/psql"
        let conninfo = "host=\(host) port=\(port) user=\(user) dbname=postgres sslmode=verify-full sslrootcert=\(caFile)"
        let output = try await BenchTool.run(psql, ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", conninfo, "-c", sql],
                                             environment: ["PGPASSWORD": password])
        guard output.status == 0 else { throw BenchError("psql \(sql) failed (status \(output.status)): \(output.text)") }
    }
}

/// A database made for one benchmark run, with its own key-encryption-key file.
struct BenchPostgresDatabase: Sendable {
    /// The server it lives on.
    let server: BenchPostgresServer
    /// `kp_bench_<random>`.
    let name: String
    /// The key-encryption-key file every node of the run reads.
    let keyEncryptionKeyFile: String

    /// Creates a fresh database on `server` and a KEK file in `directory`.
    static func create(on server: BenchPostgresServer, directory: URL) async throws -> BenchPostgresDatabase {
        let name = "kp_bench_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(12)
        let keyFile = directory.appendingPathComponent("key-encryption-key").path
        _ = try KeyEncryptionKey.create(file: keyFile)
        try await server.createDatabase(name)
        return BenchPostgresDatabase(server: server, name: name, keyEncryptionKeyFile: keyFile)
    }

    /// The `store:` section the run's gateways use.
    var storeSection: GatewayConfiguration.Store { server.storeSection(database: name, keyEncryptionKeyFile: keyEncryptionKeyFile) }
}
