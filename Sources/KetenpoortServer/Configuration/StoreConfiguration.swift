import Foundation
import KetenpoortPostgres

extension GatewayConfiguration {
    /// The `store:` section: the embedded SQLite database in the state directory (the default) or a shared PostgreSQL database.
    public struct Store: Codable, Sendable {
        /// Which store the gateway keeps its queue and audit log in.
        public enum Kind: String, Codable, Sendable, CaseIterable {
            /// One SQLite file in the state directory; one node.
            case sqlite
            /// A PostgreSQL database shared by any number of nodes.
            case postgres

            /// Decodes `sqlite` or `postgres`, and names both when the value is neither.
            public init(from decoder: any Decoder) throws {
                self = try decodeChoice(Kind.self, from: decoder)
            }
        }

        /// How strictly the connection to PostgreSQL is protected, after libpq's `sslmode`.
        public enum TLSMode: String, Codable, Sendable, CaseIterable {
            /// No TLS: only for a Unix socket or a loopback host.
            case disable
            /// TLS; the server certificate must chain to `tls.ca`, whatever host it names.
            case verifyCA = "verify-ca"
            /// TLS; the server certificate must chain to `tls.ca` and name `host` (the default).
            case verifyFull = "verify-full"

            /// Decodes one of the three names, and names all three when the value is none of them.
            public init(from decoder: any Decoder) throws {
                self = try decodeChoice(TLSMode.self, from: decoder)
            }

            /// The same mode as the PostgreSQL store knows it.
            public var settingsMode: PostgresSettings.TLSMode {
                switch self {
                case .disable: .disable
                case .verifyCA: .verifyCA
                case .verifyFull: .verifyFull
                }
            }
        }

        /// The `store.tls` subsection: how the connection to PostgreSQL is protected.
        public struct TLS: Codable, Sendable {
            /// `disable`, `verify-ca` or `verify-full` (default `verify-full`; `disable` with a socket).
            public var mode: TLSMode?
            /// The CA file (PEM) that signs the database server's certificate.
            public var ca: String?
            /// A client certificate (PEM) for certificate login; with `key`.
            public var certificate: String?
            /// The client certificate's private key (PEM, mode 0600).
            public var key: String?

            /// Creates the TLS settings; nil values take the defaults.
            public init(mode: TLSMode? = nil, ca: String? = nil, certificate: String? = nil, key: String? = nil) {
                self.mode = mode
                self.ca = ca
                self.certificate = certificate
                self.key = key
            }
        }

        /// `sqlite` or `postgres`.
        public var kind: Kind
        /// The database server's host name or address (default 127.0.0.1); not with `socket`.
        public var host: String?
        /// The database server's TCP port (default 5432).
        public var port: Int?
        /// A Unix-domain socket file, e.g. `/run/postgresql/.s.PGSQL.5432`, instead of host and port.
        public var socket: String?
        /// The database name.
        public var database: String?
        /// The role the gateway logs in as.
        public var user: String?
        /// A file holding the role's password (one line, mode 0600).
        public var passwordFile: String?
        /// TLS strictness and files.
        public var tls: TLS?
        /// The key-encryption key file (base64 of 32 random bytes, mode 0600) that wraps the payload data keys.
        public var keyEncryptionKeyFile: String?
        /// Database connections per node (default 8).
        public var maxConnections: Int?
        /// Seconds a store operation may wait for the database before intake answers 503 (default 5).
        public var operationTimeoutSeconds: Double?
        /// Seconds without a heartbeat after which a node is dead and its leases are returned (default 6).
        public var nodeDeadAfterSeconds: Double?
        /// Seconds between a node's heartbeats (default 1).
        public var heartbeatSeconds: Double?

        /// Creates a store section; nil values take the defaults.
        public init(kind: Kind, host: String? = nil, port: Int? = nil, socket: String? = nil, database: String? = nil,
                    user: String? = nil, passwordFile: String? = nil, tls: TLS? = nil, keyEncryptionKeyFile: String? = nil,
                    maxConnections: Int? = nil, operationTimeoutSeconds: Double? = nil, nodeDeadAfterSeconds: Double? = nil,
                    heartbeatSeconds: Double? = nil) {
            self.kind = kind
            self.host = host
            self.port = port
            self.socket = socket
            self.database = database
            self.user = user
            self.passwordFile = passwordFile
            self.tls = tls
            self.keyEncryptionKeyFile = keyEncryptionKeyFile
            self.maxConnections = maxConnections
            self.operationTimeoutSeconds = operationTimeoutSeconds
            self.nodeDeadAfterSeconds = nodeDeadAfterSeconds
            self.heartbeatSeconds = heartbeatSeconds
        }

        /// `tls.mode`, else `disable` for a socket (which TLS does not protect) and `verify-full` for host and port.
        public var effectiveTLSMode: TLSMode {
            tls?.mode ?? (socket != nil ? .disable : .verifyFull)
        }

        /// The keys that only a `postgres` store reads, with whether each is set.
        var postgresKeys: [(key: String, isSet: Bool)] {
            [("host", host != nil), ("port", port != nil), ("socket", socket != nil), ("database", database != nil),
             ("user", user != nil), ("passwordFile", passwordFile != nil), ("tls", tls != nil),
             ("keyEncryptionKeyFile", keyEncryptionKeyFile != nil), ("maxConnections", maxConnections != nil),
             ("operationTimeoutSeconds", operationTimeoutSeconds != nil), ("nodeDeadAfterSeconds", nodeDeadAfterSeconds != nil),
             ("heartbeatSeconds", heartbeatSeconds != nil)]
        }

        /// The same section with every file path passed through `resolve`.
        func resolved(with resolve: (String) -> String) -> Store {
            var copy = self
            copy.socket = socket.map(resolve)
            copy.passwordFile = passwordFile.map(resolve)
            copy.keyEncryptionKeyFile = keyEncryptionKeyFile.map(resolve)
            copy.tls?.ca = tls?.ca.map(resolve)
            copy.tls?.certificate = tls?.certificate.map(resolve)
            copy.tls?.key = tls?.key.map(resolve)
            return copy
        }
    }

    /// The store in use: `store.kind`, or `sqlite` when the section is absent.
    public var storeKind: Store.Kind { store?.kind ?? .sqlite }

    /// The PostgreSQL connection settings when `store.kind` is `postgres` (nil for SQLite); unset values take
    /// `PostgresSettings`' defaults. Run `ConfigurationCheck` first: a missing database or user is empty here.
    public var postgresSettings: PostgresSettings? {
        guard let store, store.kind == .postgres else { return nil }
        var settings = PostgresSettings(database: store.database ?? "", user: store.user ?? "")
        if let host = store.host { settings.host = host }
        if let port = store.port { settings.port = port }
        settings.socketPath = store.socket
        settings.passwordFile = store.passwordFile
        settings.tlsMode = store.effectiveTLSMode.settingsMode
        settings.caFile = store.tls?.ca
        settings.certificateFile = store.tls?.certificate
        settings.keyFile = store.tls?.key
        settings.keyEncryptionKeyFile = store.keyEncryptionKeyFile
        if let connections = store.maxConnections { settings.maximumConnections = connections }
        if let seconds = store.operationTimeoutSeconds { settings.operationTimeout = seconds }
        if let seconds = store.nodeDeadAfterSeconds { settings.nodeDeadAfter = seconds }
        if let seconds = store.heartbeatSeconds { settings.heartbeatInterval = seconds }
        return settings
    }
}

/// Decodes a string that must be one of `T`'s cases; the error names every allowed value.
private func decodeChoice<T: RawRepresentable & CaseIterable>(_ type: T.Type, from decoder: any Decoder) throws -> T
where T.RawValue == String {
    let text = try decoder.singleValueContainer().decode(String.self)
    guard let value = T(rawValue: text) else {
        let names = T.allCases.map(\.rawValue)
        let allowed = names.dropLast().joined(separator: ", ") + " or " + (names.last ?? "")
        throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "must be \(allowed), not '\(text)'"))
    }
    return value
}
