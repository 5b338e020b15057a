import KetenpoortPKI
import NIOSSL

/// The verified TLS client certificate of a connection: who is on the other end.
public struct PeerIdentity: Sendable, Hashable {
    /// The organisation's OIN from the subject serialNumber (20 digits), if present.
    public let oin: String?
    /// The certificate subject, RFC 4514.
    public let subject: String
    /// The certificate itself (DER).
    public let certificateDER: [UInt8]
    /// Whether the certificate carries the clientAuth extended key usage; only then is its OIN a sender identity.
    public let hasClientAuthUsage: Bool

    /// Creates an identity from its parts (mainly for tests).
    public init(oin: String?, subject: String, certificateDER: [UInt8], hasClientAuthUsage: Bool) {
        self.oin = oin
        self.subject = subject
        self.certificateDER = certificateDER
        self.hasClientAuthUsage = hasClientAuthUsage
    }

    /// Reads subject, OIN and extended key usage from a DER certificate.
    public init(certificateDER: [UInt8]) throws {
        let info = try CertificateInfo(derBytes: certificateDER, source: "TLS peer certificate")
        self.init(oin: info.oin, subject: info.subject, certificateDER: certificateDER,
                  hasClientAuthUsage: info.extendedKeyUsage.contains("clientAuth"))
    }

    /// Reads the identity from a certificate the TLS handshake verified.
    public init(certificate: NIOSSLCertificate) throws {
        try self.init(certificateDER: try certificate.toDERBytes())
    }

    /// The OIN to trust as the sending organisation: only when the certificate is meant for client authentication.
    public var authenticatedOIN: String? {
        hasClientAuthUsage ? oin : nil
    }
}
