import Foundation

/// Everything a reference partner endpoint needs; `load(file:)` makes relative paths relative to the file's directory.
public struct PartnerEndpointConfiguration: Codable, Sendable, Hashable {
    /// Where the endpoint listens.
    public struct Listen: Codable, Sendable, Hashable {
        /// Host or address to bind, e.g. `127.0.0.1`.
        public var host: String
        /// TCP port; 0 picks a free one.
        public var port: Int

        /// Creates a listen address.
        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }
    }

    /// A certificate and its private key (PEM files).
    public struct KeyPairFiles: Codable, Sendable, Hashable {
        /// PEM certificate file.
        public var certificate: String
        /// PEM private key file.
        public var privateKey: String

        /// Creates a key pair reference.
        public init(certificate: String, privateKey: String) {
            self.certificate = certificate
            self.privateKey = privateKey
        }
    }

    /// Whose signatures on delivered messages are accepted.
    public struct GatewayTrust: Codable, Sendable, Hashable {
        /// PEM files with the CAs the gateway's signing certificate must chain to.
        public var trustedCAs: [String]
        /// OINs of the gateway signing certificates accepted (the gateway signs every message it delivers).
        public var signerOINs: [String]
        /// OINs of the gateways' TLS client certificates that may deliver here (default: `signerOINs`).
        public var clientOINs: [String]?

        /// Creates a trust setting.
        public init(trustedCAs: [String], signerOINs: [String], clientOINs: [String]? = nil) {
            self.trustedCAs = trustedCAs
            self.signerOINs = signerOINs
            self.clientOINs = clientOINs
        }

        /// The client OINs that may deliver.
        public var effectiveClientOINs: Set<String> { Set(clientOINs ?? signerOINs) }
    }

    /// The partner's routing id, e.g. `shn` or `vt-haaglanden` (compared with the message's route).
    public var partner: String
    /// The partner's OIN (20 digits), written into receipts as Afzender.
    public var oin: String
    /// The partner's unit, written into receipts (1..100 characters).
    public var organisationalUnit: String
    /// Listen address.
    public var listen: Listen
    /// Server certificate, key and the CAs client certificates must chain to.
    public var tls: TLSFiles
    /// Key and certificate that sign receipts.
    public var receiptSigning: KeyPairFiles
    /// Trust for the gateway's message signatures.
    public var gateway: GatewayTrust
    /// Directory where accepted messages are written as `<BerichtId>.xml`.
    public var inbox: String
    /// Schema directory; default: the bundled `Schemas/`.
    public var schemaDirectory: String?
    /// Municipality → Veilig Thuis table (CSV); default: the example table.
    public var routingTable: String?
    /// Largest accepted body in bytes; default 1 MiB.
    public var maxMessageBytes: Int?
    /// Connection limits and timeouts (defaults: `ConnectionLimits.standard`).
    public var limits: ConnectionLimits?
    /// CRL files (signed by a CA in `tls.trustedCAs` or `gateway.trustedCAs`) checked for the gateway's TLS and
    /// signing certificates; read again when they change.
    public var crlFiles: [String]?

    /// Creates a configuration.
    public init(partner: String, oin: String, organisationalUnit: String, listen: Listen, tls: TLSFiles,
                receiptSigning: KeyPairFiles, gateway: GatewayTrust, inbox: String,
                schemaDirectory: String? = nil, routingTable: String? = nil, maxMessageBytes: Int? = nil) {
        self.partner = partner
        self.oin = oin
        self.organisationalUnit = organisationalUnit
        self.listen = listen
        self.tls = tls
        self.receiptSigning = receiptSigning
        self.gateway = gateway
        self.inbox = inbox
        self.schemaDirectory = schemaDirectory
        self.routingTable = routingTable
        self.maxMessageBytes = maxMessageBytes
    }

    /// The default body limit (1 MiB).
    public static let defaultMaxMessageBytes = 1 << 20

    /// The body limit in force.
    public var effectiveMaxMessageBytes: Int { maxMessageBytes ?? Self.defaultMaxMessageBytes }
}
