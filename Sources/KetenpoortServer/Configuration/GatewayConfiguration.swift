import Foundation

/// Everything `ketenpoort serve` needs, read from one human-editable YAML file (see Examples/config/gateway.yaml).
public struct GatewayConfiguration: Codable, Sendable {
    /// The gateway's own identity.
    public var gateway: Identity
    /// Directory with the store, its keys and nothing else.
    public var stateDirectory: String
    /// XSD directory; default: the Schemas/ shipped with ketenpoort.
    public var schemaDirectory: String?
    /// The intake listener (mutual TLS).
    public var intake: Intake
    /// The admin listener (/healthz, /metrics); loopback by default.
    public var admin: Listener
    /// The key and certificate that sign every forwarded message.
    public var signing: KeyFiles
    /// How the gateway delivers to partners.
    public var courier: Courier
    /// Routing tables.
    public var routing: Routing
    /// Partners that receive messages, by id (`shn`, `vt-rotterdam-rijnmond`, …).
    public var partners: [Partner]
    /// Organisations allowed to send, and what.
    public var senders: [Sender]
    /// Retry policy for deliveries.
    public var retry: RetryPolicy
    /// Days a payload is kept after its deliveries are final, per kind (default from the kind).
    public var retentionDays: [String: Int]?
    /// Seconds between signed audit checkpoints (default 300).
    public var checkpointIntervalSeconds: Int?

    /// An organisation's OIN and unit.
    public struct Identity: Codable, Sendable {
        /// 20-digit OIN.
        public var oin: String
        /// Organisational unit named in receipts and logs.
        public var unit: String
    }

    /// A host and port to listen on.
    public struct Listener: Codable, Sendable {
        /// Address to bind, e.g. `0.0.0.0` or `127.0.0.1`.
        public var host: String
        /// Port; 0 picks a free one.
        public var port: Int
    }

    /// The intake listener.
    public struct Intake: Codable, Sendable {
        /// Address to bind.
        public var host: String
        /// Port to bind.
        public var port: Int
        /// Server certificate, key and the CAs that client certificates must chain to.
        public var tls: TLSFiles
        /// Largest accepted message in bytes (default 1 MiB).
        public var maxMessageBytes: Int?
    }

    /// A PEM certificate and its PEM private key.
    public struct KeyFiles: Codable, Sendable {
        /// Certificate file.
        public var certificate: String
        /// Private key file (mode 0600).
        public var privateKey: String
    }

    /// Outgoing deliveries.
    public struct Courier: Codable, Sendable {
        /// Client certificate, key and the CAs that partner servers must chain to.
        public var tls: TLSFiles
        /// CAs that partners' receipt-signing certificates chain to.
        public var receiptTrustedCAs: [String]
        /// Seconds to establish a connection (default 5).
        public var connectTimeoutSeconds: Int?
        /// Seconds for a whole request (default 30).
        public var requestTimeoutSeconds: Int?
    }

    /// Routing tables (configuration data, not code).
    public struct Routing: Codable, Sendable {
        /// CSV `gemeentecode,gemeente,veilig_thuis_regio`.
        public var municipalities: String
    }

    /// A receiving partner.
    public struct Partner: Codable, Sendable {
        /// Id used in routing, e.g. `vt-haaglanden`.
        public var id: String
        /// Human name.
        public var name: String?
        /// The partner's OIN.
        public var oin: String
        /// HTTPS endpoint receiving POSTed messages.
        public var endpoint: String
        /// Certificates the partner signs receipts with (two during a rollover).
        public var signingCertificates: [String]
        /// Deliveries in flight at once to this partner (default 4).
        public var concurrency: Int?
    }

    /// An organisation that may send messages.
    public struct Sender: Codable, Sendable {
        /// The OIN in its TLS client certificate and in the message header.
        public var oin: String
        /// Human name.
        public var name: String?
        /// Message kinds it may send, e.g. `[Zorgmelding, Slachtofferverwijzing]`.
        public var kinds: [String]
    }

    /// Exponential backoff with jitter, capped, until a maximum age.
    public struct RetryPolicy: Codable, Sendable {
        /// First delay in seconds (default 5).
        public var initialDelaySeconds: Double?
        /// Largest delay in seconds (default 600).
        public var maxDelaySeconds: Double?
        /// A delivery older than this fails (default 72 hours).
        public var maxAgeHours: Double?
        /// Random spread, 0…1, of each delay (default 0.2).
        public var jitter: Double?
    }
}
