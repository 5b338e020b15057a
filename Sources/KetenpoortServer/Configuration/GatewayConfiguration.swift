import Foundation

/// Everything `ketenpoort serve` needs, read from one human-editable YAML file (see Examples/config/gateway.yaml).
public struct GatewayConfiguration: Codable, Sendable {
    /// The gateway's own identity.
    public var gateway: Identity
    /// Directory with the store, its keys and nothing else (with a PostgreSQL store: the node's lock file).
    public var stateDirectory: String
    /// Where the queue and audit log are kept (absent: SQLite in the state directory).
    public var store: Store?
    /// XSD directory; default: the Schemas/ shipped with ketenpoort.
    public var schemaDirectory: String?
    /// The intake listener (mutual TLS).
    public var intake: Intake
    /// The admin listener (/healthz, /metrics); loopback by default.
    public var admin: Listener
    /// The certificate and key (a PEM file or a key in a PKCS#11 token) that sign every forwarded message.
    public var signing: SigningKeySettings
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
    /// Audit trail settings: how many records at most between signed tree heads.
    public var audit: AuditSettings?
    /// Certificate revocation lists checked for intake clients (none: no revocation checking).
    public var revocation: Revocation?
    /// Witnesses the signed tree heads are pushed to, and how many must cosign (none: no witnesses).
    public var witnesses: WitnessPolicy?

    /// CRL files the operator keeps fresh; read again without a restart when a file changes.
    public struct Revocation: Codable, Sendable {
        /// PEM or DER CRL files, each signed by a CA in `intake.tls.trustedCAs` or `courier.tls.trustedCAs`.
        public var crlFiles: [String]
        /// How often to look whether a file changed, in seconds (default 30).
        public var refreshSeconds: Double?

        /// Creates the revocation settings.
        public init(crlFiles: [String], refreshSeconds: Double? = nil) {
            self.crlFiles = crlFiles
            self.refreshSeconds = refreshSeconds
        }
    }

    /// The CA files that may sign revocation lists.
    public var revocationAuthorities: [String] {
        Array(Set(intake.tls.trustedCAs + courier.tls.trustedCAs)).sorted()
    }

    /// Creates a configuration from all of its parts.
    public init(gateway: Identity, stateDirectory: String, schemaDirectory: String?, intake: Intake, admin: Listener,
                signing: SigningKeySettings, courier: Courier, routing: Routing, partners: [Partner], senders: [Sender],
                retry: RetryPolicy, retentionDays: [String: Int]?, checkpointIntervalSeconds: Int?) {
        self.gateway = gateway
        self.stateDirectory = stateDirectory
        self.schemaDirectory = schemaDirectory
        self.intake = intake
        self.admin = admin
        self.signing = signing
        self.courier = courier
        self.routing = routing
        self.partners = partners
        self.senders = senders
        self.retry = retry
        self.retentionDays = retentionDays
        self.checkpointIntervalSeconds = checkpointIntervalSeconds
    }

    /// An organisation's OIN and unit.
    public struct Identity: Codable, Sendable {
        /// 20-digit OIN.
        public var oin: String
        /// Organisational unit named in receipts and logs.
        public var unit: String

        /// Creates an identity.
        public init(oin: String, unit: String) {
            self.oin = oin
            self.unit = unit
        }
    }

    /// A host and port to listen on.
    public struct Listener: Codable, Sendable {
        /// Address to bind, e.g. `0.0.0.0` or `127.0.0.1`.
        public var host: String
        /// Port; 0 picks a free one.
        public var port: Int

        /// Creates a listener address.
        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }
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
        /// Connection limits, timeouts and admission concurrency (defaults: `ConnectionLimits.standard`).
        public var limits: ConnectionLimits?

        /// Creates the intake settings.
        public init(host: String, port: Int, tls: TLSFiles, maxMessageBytes: Int?, limits: ConnectionLimits? = nil) {
            self.host = host
            self.port = port
            self.tls = tls
            self.maxMessageBytes = maxMessageBytes
            self.limits = limits
        }

        /// The limits in force.
        public var effectiveLimits: ConnectionLimits { limits ?? .standard }
    }

    /// A PEM certificate and its PEM private key.
    public struct KeyFiles: Codable, Sendable {
        /// Certificate file.
        public var certificate: String
        /// Private key file (mode 0600).
        public var privateKey: String

        /// Creates a key pair reference.
        public init(certificate: String, privateKey: String) {
            self.certificate = certificate
            self.privateKey = privateKey
        }
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
        /// Seconds a leased delivery is reserved for this gateway; a crashed gateway's leases come due after it (default 120).
        public var leaseSeconds: Int?

        /// Creates the courier settings.
        public init(tls: TLSFiles, receiptTrustedCAs: [String], connectTimeoutSeconds: Int?, requestTimeoutSeconds: Int?,
                    leaseSeconds: Int? = nil) {
            self.leaseSeconds = leaseSeconds
            self.tls = tls
            self.receiptTrustedCAs = receiptTrustedCAs
            self.connectTimeoutSeconds = connectTimeoutSeconds
            self.requestTimeoutSeconds = requestTimeoutSeconds
        }
    }

    /// Routing tables (configuration data, not code).
    public struct Routing: Codable, Sendable {
        /// CSV `gemeentecode,gemeente,veilig_thuis_regio`.
        public var municipalities: String

        /// Creates the routing settings.
        public init(municipalities: String) {
            self.municipalities = municipalities
        }
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

        /// Creates a partner entry.
        public init(id: String, name: String?, oin: String, endpoint: String, signingCertificates: [String], concurrency: Int?) {
            self.id = id
            self.name = name
            self.oin = oin
            self.endpoint = endpoint
            self.signingCertificates = signingCertificates
            self.concurrency = concurrency
        }
    }

    /// An organisation that may send messages.
    public struct Sender: Codable, Sendable {
        /// The OIN in its TLS client certificate and in the message header.
        public var oin: String
        /// Human name.
        public var name: String?
        /// Message kinds it may send, e.g. `[Zorgmelding, Slachtofferverwijzing]`.
        public var kinds: [String]

        /// Creates a sender entry.
        public init(oin: String, name: String?, kinds: [String]) {
            self.oin = oin
            self.name = name
            self.kinds = kinds
        }
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

        /// Creates a retry policy; nil values take the defaults.
        public init(initialDelaySeconds: Double?, maxDelaySeconds: Double?, maxAgeHours: Double?, jitter: Double?) {
            self.initialDelaySeconds = initialDelaySeconds
            self.maxDelaySeconds = maxDelaySeconds
            self.maxAgeHours = maxAgeHours
            self.jitter = jitter
        }
    }
}
