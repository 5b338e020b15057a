import Foundation

/// Where and how the gateway reaches its PostgreSQL database (the `store:` section with `kind: postgres`).
public struct PostgresSettings: Sendable, Equatable {
    /// How strictly the connection is protected, after libpq's `sslmode`.
    public enum TLSMode: String, Sendable, Equatable, CaseIterable {
        /// No TLS (only for a Unix socket or a loopback address).
        case disable
        /// TLS required; the server certificate is checked against `caFile` but not its host name.
        case verifyCA = "verify-ca"
        /// TLS required; the server certificate is checked against `caFile` and must name `host` (the default).
        case verifyFull = "verify-full"
    }

    /// The server's host name or address; ignored when `socketPath` is set.
    public var host: String
    /// The server's TCP port.
    public var port: Int
    /// A Unix-domain socket file (e.g. `/run/postgresql/.s.PGSQL.5432`) instead of host and port.
    public var socketPath: String?
    /// The database name.
    public var database: String
    /// The role the gateway logs in as.
    public var user: String
    /// A file holding the role's password (one line, mode 0600); nil for peer or certificate login.
    public var passwordFile: String?
    /// TLS strictness.
    public var tlsMode: TLSMode
    /// The CA bundle that signs the server's certificate (PEM).
    public var caFile: String?
    /// A client certificate (PEM) for certificate login; with `keyFile`.
    public var certificateFile: String?
    /// The client certificate's private key (PEM).
    public var keyFile: String?
    /// The key-encryption key (32 random bytes, base64, mode 0600) that wraps the payload data keys in the database.
    public var keyEncryptionKeyFile: String?
    /// At most this many connections per node.
    public var maximumConnections: Int
    /// How long a store operation may wait for the database before it fails (intake then answers 503).
    public var operationTimeout: TimeInterval
    /// A node whose heartbeat is older than this is dead; its leases are returned by a surviving node.
    public var nodeDeadAfter: TimeInterval
    /// How often a node writes its heartbeat (and looks for dead nodes).
    public var heartbeatInterval: TimeInterval
    /// Sessions refuse every write (`default_transaction_read_only`): operator commands that only read.
    var readOnlySession = false

    /// Settings with the defaults for everything but the server, database and role.
    public init(
        host: String = "127.0.0.1", port: Int = 5432, socketPath: String? = nil, database: String, user: String,
        passwordFile: String? = nil, tlsMode: TLSMode = .verifyFull, caFile: String? = nil, certificateFile: String? = nil,
        keyFile: String? = nil, keyEncryptionKeyFile: String? = nil, maximumConnections: Int = 8,
        operationTimeout: TimeInterval = 5, nodeDeadAfter: TimeInterval = 6, heartbeatInterval: TimeInterval = 1
    ) {
        self.host = host
        self.port = port
        self.socketPath = socketPath
        self.database = database
        self.user = user
        self.passwordFile = passwordFile
        self.tlsMode = tlsMode
        self.caFile = caFile
        self.certificateFile = certificateFile
        self.keyFile = keyFile
        self.keyEncryptionKeyFile = keyEncryptionKeyFile
        self.maximumConnections = maximumConnections
        self.operationTimeout = operationTimeout
        self.nodeDeadAfter = nodeDeadAfter
        self.heartbeatInterval = heartbeatInterval
    }

    /// Where the database is, for messages: `user@host:port/database` (never the password).
    public var displayName: String {
        if let socketPath { return "\(user)@\(socketPath)/\(database)" }
        return "\(user)@\(host):\(port)/\(database)"
    }
}
