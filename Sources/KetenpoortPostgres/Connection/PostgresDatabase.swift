import Foundation
import KetenpoortStore
import Logging
import NIOCore
import NIOSSL
import PostgresNIO

/// A running PostgresNIO connection pool with a deadline on every operation.
final class PostgresDatabase: Sendable {
    let client: PostgresClient
    let settings: PostgresSettings
    let logger: Logger
    private let runner: Task<Void, Never>

    /// Starts a pool for `settings`; connections are made on first use.
    init(settings: PostgresSettings, logger: Logger) throws {
        self.settings = settings
        self.logger = logger
        client = PostgresClient(configuration: try Self.configuration(settings), backgroundLogger: logger)
        let client = client
        runner = Task { await client.run() }
    }

    /// Starts stopping the pool without waiting.
    func startClosing() {
        runner.cancel()
    }

    /// Stops the pool; later operations fail.
    func close() async {
        runner.cancel()
        _ = await runner.value
    }

    /// Runs `body` on a pooled connection, failing with ``StoreError/unavailable(_:)`` after the operation timeout unless
    /// `bounded` is false (long maintenance such as a store copy).
    func withConnection<T: Sendable>(_ what: String, bounded: Bool = true,
                                     _ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        let client = client
        guard bounded else {
            do {
                return try await client.withConnection { connection in try await body(connection) }
            } catch {
                throw PostgresErrorText.storeError(error)
            }
        }
        return try await Deadline.run(what, seconds: settings.operationTimeout, database: settings.displayName) {
            try await client.withConnection { connection in try await body(connection) }
        }
    }

    /// Runs `body` in a transaction of its own (`BEGIN` … `COMMIT`, rolled back if it throws), within the deadline.
    func transaction<T: Sendable>(_ what: String, _ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        try await withConnection(what) { connection in
            try await connection.query("BEGIN", logger: PostgresDatabase.quiet)
            do {
                let value = try await body(connection)
                try await connection.query("COMMIT", logger: PostgresDatabase.quiet)
                return value
            } catch {
                _ = try? await connection.query("ROLLBACK", logger: PostgresDatabase.quiet)
                throw error
            }
        }
    }

    /// Runs one statement and collects its rows, within the deadline.
    func rows(_ what: String, _ query: PostgresQuery) async throws -> [PostgresRow] {
        try await withConnection(what) { connection in
            try await connection.query(query, logger: PostgresDatabase.quiet).collect()
        }
    }

    /// A logger that drops PostgresNIO's per-query lines (they may carry bound values).
    static let quiet = Logger(label: "ketenpoort.postgres.quiet", factory: { _ in SwiftLogNoOpLogHandler() })

    /// The PostgresNIO configuration for `settings`: TLS as its mode says, the password read from its file.
    static func configuration(_ settings: PostgresSettings) throws -> PostgresClient.Configuration {
        let password = try settings.passwordFile.map(PasswordFile.read)
        var configuration: PostgresClient.Configuration
        if let socket = settings.socketPath {
            configuration = PostgresClient.Configuration(
                unixSocketPath: socket, username: settings.user, password: password, database: settings.database)
        } else {
            configuration = PostgresClient.Configuration(
                host: settings.host, port: settings.port, username: settings.user, password: password, database: settings.database,
                tls: try tls(settings))
        }
        configuration.options.maximumConnections = max(2, settings.maximumConnections)
        configuration.options.connectTimeout = .milliseconds(Int64(settings.operationTimeout * 1000))
        configuration.options.keepAliveBehavior = .init(frequency: .seconds(15))
        configuration.options.additionalStartupParameters = [("application_name", "ketenpoort")]
        if settings.readOnlySession {
            configuration.options.additionalStartupParameters.append(("default_transaction_read_only", "on"))
        }
        return configuration
    }

    private static func tls(_ settings: PostgresSettings) throws -> PostgresClient.Configuration.TLS {
        guard let tls = try tlsConfiguration(settings) else { return .disable }
        return .require(tls)
    }

    /// One read-only connection outside the pool, within the operation timeout, to learn why connecting fails (the
    /// pool retries quietly until its deadline).
    static func connectOnce(_ settings: PostgresSettings, logger: Logger) async throws -> PostgresConnection {
        try await Deadline.run("connect", seconds: settings.operationTimeout, database: settings.displayName) {
            try await connect(settings, logger: logger)
        }
    }

    private static func connect(_ settings: PostgresSettings, logger: Logger) async throws -> PostgresConnection {
        let password = try settings.passwordFile.map(PasswordFile.read)
        var configuration: PostgresConnection.Configuration
        if let socket = settings.socketPath {
            configuration = .init(unixSocketPath: socket, username: settings.user, password: password, database: settings.database)
        } else {
            let tls: PostgresConnection.Configuration.TLS = try tlsConfiguration(settings).map { .require(try NIOSSLContext(configuration: $0)) }
                ?? .disable
            configuration = .init(host: settings.host, port: settings.port, username: settings.user, password: password,
                                  database: settings.database, tls: tls)
        }
        configuration.options.connectTimeout = .milliseconds(Int64(settings.operationTimeout * 1000))
        configuration.options.additionalStartupParameters = [("default_transaction_read_only", "on")]
        return try await PostgresConnection.connect(configuration: configuration, id: 0, logger: logger)
    }

    /// The client TLS configuration for `settings`, or nil when TLS is disabled.
    private static func tlsConfiguration(_ settings: PostgresSettings) throws -> TLSConfiguration? {
        guard settings.tlsMode != .disable else { return nil }
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        if let ca = settings.caFile {
            do {
                tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(ca))
            } catch {
                throw StoreError.database("store.tls.ca: \(ca) cannot be read as PEM certificates")
            }
        }
        tls.certificateVerification = settings.tlsMode == .verifyFull ? .fullVerification : .noHostnameVerification
        if let certificate = settings.certificateFile, let key = settings.keyFile {
            do {
                tls.certificateChain = try NIOSSLCertificate.fromPEMFile(certificate).map { .certificate($0) }
                tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: key, format: .pem))
            } catch {
                throw StoreError.database("store.tls.certificate/key: \(certificate) or \(key) cannot be read as PEM")
            }
        }
        return tls
    }
}

/// Reads a password file: its first line, refused when group or others may read it.
enum PasswordFile {
    /// The password in `path`.
    static func read(_ path: String) throws -> String {
        let data = try KeyFile.read(at: path)
        let text = String(decoding: data, as: UTF8.self)
        let line = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        guard !line.isEmpty else { throw StoreError.keyError("store.passwordFile: \(path) is empty") }
        return line
    }
}
