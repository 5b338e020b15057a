import Foundation
import KetenpoortPostgres
import Logging
import NIOSSL
import PostgresNIO

/// No test PostgreSQL is configured in the environment (`KETENPOORT_TEST_POSTGRES_*`).
public struct PostgresTestClusterMissing: Error, CustomStringConvertible {
    /// The environment variables that are not set.
    public let missing: [String]

    /// What to do about it.
    public var description: String {
        "no test PostgreSQL: run the tests through scripts/test, or `source \"$(scripts/postgres-test-cluster start)\"` "
            + "in the shell that runs swift test (not set: \(missing.joined(separator: ", ")))"
    }
}

/// `scripts/postgres-test-cluster` could not be run, or its restart failed.
public struct PostgresTestClusterRestartFailed: Error, CustomStringConvertible {
    /// The script's exit status (or posix_spawn's error number).
    public let status: Int32

    /// Says the script failed and where to look.
    public var description: String {
        "scripts/postgres-test-cluster failed with status \(status) (see server.log in the cluster directory)"
    }
}

/// A connection to the test cluster that was meant to be TLS was not.
public struct PostgresTestConnectionNotEncrypted: Error, CustomStringConvertible {
    /// Says so.
    public var description: String { "the connection to the test PostgreSQL is not encrypted (pg_stat_ssl.ssl is false)" }
}

/// A statement on the test cluster failed; says which and the server's message (test data only, so it may be shown).
public struct PostgresTestStatementFailed: Error, CustomStringConvertible {
    /// The SQL statement.
    public let statement: String
    /// The server's error message.
    public let message: String

    /// "<statement>: <message>".
    public var description: String { "\(statement): \(message)" }
}

/// The throw-away cluster that `scripts/postgres-test-cluster start` made, as its env file describes it.
public struct PostgresTestCluster: Sendable {
    /// The server's address (127.0.0.1).
    public let host: String
    /// The server's TCP port.
    public let port: Int
    /// The superuser role the tests log in as.
    public let user: String
    /// The file holding that role's password (mode 0600).
    public let passwordFile: String
    /// The CA certificate (PEM) that signed the server's certificate.
    public let caFile: String
    /// The server's Unix-domain socket file.
    public let socketPath: String
    /// The server's data directory; the cluster directory is its parent.
    public let dataDirectory: String

    /// The cluster named by the `KETENPOORT_TEST_POSTGRES_*` variables; throws ``PostgresTestClusterMissing`` if any is unset.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> PostgresTestCluster {
        let names = ["HOST", "PORT", "USER", "PASSWORD_FILE", "CA_FILE", "SOCKET", "DATA"].map { "KETENPOORT_TEST_POSTGRES_" + $0 }
        let missing = names.filter { (environment[$0] ?? "").isEmpty }
        guard missing.isEmpty, let port = environment[names[1]].flatMap({ Int($0) }) else {
            throw PostgresTestClusterMissing(missing: missing.isEmpty ? [names[1] + " (not a number)"] : missing)
        }
        return PostgresTestCluster(
            host: environment[names[0]] ?? "", port: port, user: environment[names[2]] ?? "",
            passwordFile: environment[names[3]] ?? "", caFile: environment[names[4]] ?? "",
            socketPath: environment[names[5]] ?? "", dataDirectory: environment[names[6]] ?? "")
    }

    /// Settings for `database` on this cluster as the test role: TCP, TLS verify-full with the cluster's CA.
    public func settings(database: String) -> PostgresSettings {
        PostgresSettings(host: host, port: port, database: database, user: user, passwordFile: passwordFile,
                         tlsMode: .verifyFull, caFile: caFile)
    }

    /// Runs `statements` in order on one connection to `database` (default `postgres`) as the test role, over TLS
    /// verify-full; fails unless the connection really is TLS.
    public func administer(_ statements: String..., database: String = "postgres") async throws {
        try await administer(statements, database: database)
    }

    /// Runs `statements` in order on one connection to `database` as the test role, over TLS verify-full.
    public func administer(_ statements: [String], database: String = "postgres") async throws {
        let connection = try await PostgresConnection.connect(
            configuration: try connectionConfiguration(database: database), id: 1, logger: Self.quiet)
        do {
            let tlsRows = try await connection.query("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", logger: Self.quiet)
            var encrypted = false
            for try await ssl in tlsRows.decode(Bool.self) { encrypted = ssl }
            guard encrypted else { throw PostgresTestConnectionNotEncrypted() }
            for statement in statements {
                do {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: Self.quiet)
                } catch let error as PSQLError {
                    throw PostgresTestStatementFailed(statement: statement, message: error.serverInfo?[.message] ?? "\(error.code)")
                }
            }
        } catch {
            try? await connection.close()
            throw error
        }
        try await connection.close()
    }

    /// Runs `scripts/postgres-test-cluster restart` on this cluster: stop (fast), `secondsDown` pause, start, ready.
    public func restart(secondsDown: Double = 0) async throws {
        let clusterDirectory = URL(fileURLWithPath: dataDirectory).deletingLastPathComponent().path
        let status = try await Self.runScript(["restart", clusterDirectory, String(secondsDown)])
        guard status == 0 else { throw PostgresTestClusterRestartFailed(status: status) }
    }

    /// The rows of one query on `database` as the test role, every column cast to text by the caller (`::text`).
    public func texts(_ sql: String, database: String = "postgres") async throws -> [[String?]] {
        let connection = try await PostgresConnection.connect(
            configuration: try connectionConfiguration(database: database), id: 1, logger: Self.quiet)
        do {
            var result: [[String?]] = []
            for try await row in try await connection.query(PostgresQuery(unsafeSQL: sql), logger: Self.quiet) {
                result.append(try row.map { try $0.decode(String?.self) })
            }
            try await connection.close()
            return result
        } catch {
            try? await connection.close()
            if let psql = error as? PSQLError {
                throw PostgresTestStatementFailed(statement: sql, message: psql.serverInfo?[.message] ?? "\(psql.code)")
            }
            throw error
        }
    }

    /// Runs `scripts/postgres-test-cluster` with `arguments`, its standard output into `outputFile` (mode 0600) if given;
    /// returns its exit status (128 + signal if killed).
    ///
    /// posix_spawn and waitpid on a thread of its own: Foundation's `Process` did not notice this script's exit inside
    /// the test process (the script stayed a zombie), so it is not used here.
    public static func runScript(_ arguments: [String], outputFile: String? = nil) async throws -> Int32 {
        let path = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("scripts/postgres-test-cluster").path
        return try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                let argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
                defer { argv.forEach { free($0) } }
                var actions = posix_spawn_file_actions_t()
                posix_spawn_file_actions_init(&actions)
                defer { posix_spawn_file_actions_destroy(&actions) }
                if let outputFile {
                    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, outputFile, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
                }
                var pid: pid_t = 0
                let spawned = posix_spawn(&pid, path, &actions, nil, argv, environ)
                guard spawned == 0 else {
                    continuation.resume(throwing: PostgresTestClusterRestartFailed(status: spawned))
                    return
                }
                var status: Int32 = 0
                while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
                let signal = status & 0x7F
                continuation.resume(returning: signal == 0 ? (status >> 8) & 0xFF : 128 + signal)
            }
        }
    }

    private func connectionConfiguration(database: String) throws -> PostgresConnection.Configuration {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(caFile))
        tls.certificateVerification = .fullVerification
        let password = try String(contentsOfFile: passwordFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        return PostgresConnection.Configuration(
            host: host, port: port, username: user, password: password, database: database,
            tls: .require(try NIOSSLContext(configuration: tls)))
    }

    /// Drops PostgresNIO's per-query log lines.
    private static let quiet = Logger(label: "ketenpoort.testing.postgres", factory: { _ in SwiftLogNoOpLogHandler() })
}
