import Crypto
import Foundation
import SwiftASN1
import X509

/// What operators and the daemon need to know about one certificate: names, OIN, validity, fingerprint, key.
public struct CertificateInfo: Sendable {
    /// The parsed certificate.
    public let certificate: Certificate
    /// The subject as an RFC 4514 string.
    public let subject: String
    /// The OIN from the subject's serialNumber: nil if absent, repeated, or not exactly 20 digits.
    public let oin: String?
    /// The subject's common name, if any.
    public let commonName: String?
    /// The subject's organisation name, if any.
    public let organization: String?
    /// The issuer as an RFC 4514 string.
    public let issuer: String
    /// The start of validity.
    public let notBefore: Date
    /// The end of validity.
    public let notAfter: Date
    /// SHA-256 of the DER encoding, upper-case hex pairs joined by colons (as `openssl x509 -fingerprint`).
    public let sha256Fingerprint: String
    /// The certificate serial number in hex.
    public let serialNumber: String
    /// The key type, e.g. `RSA-2048` or `ECDSA-P256`; other keys are described by swift-certificates.
    public let keyType: String
    /// Whether basicConstraints says CA:true.
    public let isCertificateAuthority: Bool
    /// Whether the certificate is self-signed (issuer name equals subject name).
    public let isSelfIssued: Bool
    /// The keyUsage bits (empty if the extension is absent).
    public let keyUsage: KeyUsageFlags
    /// The extendedKeyUsage purposes as text (`serverAuth`, `clientAuth`, or dotted OIDs).
    public let extendedKeyUsage: [String]
    /// The DNS names and IP addresses from subjectAltName, as text.
    public let subjectAlternativeNames: [String]
    /// The DER encoding.
    public let derBytes: [UInt8]

    /// Reads a certificate from DER bytes (e.g. the peer certificate of a TLS connection).
    public init(derBytes: [UInt8], source: String = "DER input") throws {
        let certificate: Certificate
        do {
            certificate = try Certificate(derEncoded: derBytes)
        } catch {
            throw PKIError.invalidCertificate(source: source, reason: PEMFileDiagnosis.derCertificateProblem(in: derBytes))
        }
        try self.init(certificate: certificate, derBytes: derBytes, source: source)
    }

    /// Describes an already parsed certificate.
    public init(certificate: Certificate) throws {
        var serializer = DER.Serializer()
        try serializer.serialize(certificate)
        try self.init(certificate: certificate, derBytes: serializer.serializedBytes, source: "certificate")
    }

    /// Reads the single certificate in a PEM file (or a DER file); fails if it holds none or more than one.
    public init(file path: String) throws {
        let all = try CertificateInfo.loadBundle(file: path)
        guard all.count == 1, let only = all.first else {
            throw PKIError.invalidCertificate(
                source: path, reason: "expected exactly one certificate, found \(all.count) (use loadBundle)")
        }
        self = only
    }

    private init(certificate: Certificate, derBytes: [UInt8], source: String) throws {
        self.certificate = certificate
        self.derBytes = derBytes
        self.subject = NameFormatter.rfc4514(certificate.subject)
        self.issuer = NameFormatter.rfc4514(certificate.issuer)
        let serials = NameFormatter.values(of: OIN.subjectAttributeType, in: certificate.subject)
        if serials.count == 1, let serial = serials.first, OIN.isValid(serial) {
            self.oin = serial
        } else {
            self.oin = nil
        }
        self.commonName = NameFormatter.values(of: .RDNAttributeType.commonName, in: certificate.subject).first
        self.organization = NameFormatter.values(of: .RDNAttributeType.organizationName, in: certificate.subject).first
        self.notBefore = certificate.notValidBefore
        self.notAfter = certificate.notValidAfter
        self.sha256Fingerprint = SHA256.hash(data: derBytes).map { String(format: "%02X", $0) }.joined(separator: ":")
        self.serialNumber = certificate.serialNumber.bytes.map { String(format: "%02X", $0) }.joined()
        self.keyType = KeyType(publicKey: certificate.publicKey)?.rawValue ?? String(describing: certificate.publicKey)
        self.isSelfIssued = certificate.subject == certificate.issuer
        do {
            let extensions = certificate.extensions
            if case .isCertificateAuthority = try extensions.basicConstraints {
                self.isCertificateAuthority = true
            } else {
                self.isCertificateAuthority = false
            }
            self.keyUsage = try extensions.keyUsage.map(KeyUsageFlags.init) ?? []
            self.extendedKeyUsage = try extensions.extendedKeyUsage.map { $0.map(CertificateInfo.describe) } ?? []
            self.subjectAlternativeNames = try extensions.subjectAlternativeNames.map { names in
                names.map(CertificateInfo.describe)
            } ?? []
        } catch {
            throw PKIError.invalidCertificate(source: source, reason: "an extension is damaged and cannot be read")
        }
    }

    /// Whole days from `date` until notAfter (rounded down); once expired, minus the whole days since (at least -1).
    public func daysUntilExpiry(at date: Date = Date()) -> Int {
        let days = notAfter.timeIntervalSince(date) / 86_400
        if days >= 0 {
            return Int(days.rounded(.down))
        }
        return min(-1, Int(days.rounded(.towardZero)))
    }

    /// Where `date` falls relative to the validity period.
    public func validity(at date: Date = Date()) -> ValidityStatus {
        if date < notBefore { return .notYetValid }
        if date > notAfter { return .expired }
        return .valid
    }

    /// Reads every certificate in a PEM bundle (or the one certificate in a DER file).
    public static func loadBundle(file path: String) throws -> [CertificateInfo] {
        let bytes = try SecureFile.read(path)
        let text = String(decoding: bytes, as: UTF8.self)
        guard text.contains("-----BEGIN ") else {
            guard !bytes.isEmpty else { throw PKIError.noCertificate(path: path) }
            return [try CertificateInfo(derBytes: bytes, source: path)]
        }
        let documents: [PEMDocument]
        do {
            documents = try PEMDocument.parseMultiple(pemString: text)
        } catch {
            throw PKIError.invalidCertificate(source: path, reason: PEMFileDiagnosis.certificateProblem(in: bytes))
        }
        let certificates = documents.filter { $0.discriminator == "CERTIFICATE" }
        guard !certificates.isEmpty else { throw PKIError.noCertificate(path: path) }
        return try certificates.enumerated().map { index, document in
            try CertificateInfo(derBytes: document.derBytes, source: "\(path) (certificate \(index + 1))")
        }
    }

    /// Reads the first certificate of a PEM or DER file (e.g. a leaf followed by its chain).
    public static func load(file path: String) throws -> CertificateInfo {
        guard let first = try loadBundle(file: path).first else { throw PKIError.noCertificate(path: path) }
        return first
    }

    /// An extendedKeyUsage purpose as text, naming documentSigning (RFC 9336) which swift-certificates does not.
    private static func describe(_ usage: ExtendedKeyUsage.Usage) -> String {
        let text = String(describing: usage)
        return text == "1.3.6.1.5.5.7.3.36" ? "documentSigning" : text
    }

    /// A subjectAltName entry as text: DNS:name, IP:address, or the library's description.
    private static func describe(_ name: GeneralName) -> String {
        switch name {
        case .dnsName(let dns):
            return "DNS:\(dns)"
        case .ipAddress(let octets):
            let bytes = Array(octets.bytes)
            return "IP:" + (IPAddressBytes.format(bytes) ?? bytes.map { String($0) }.joined(separator: "."))
        default:
            return String(describing: name)
        }
    }
}

/// Where a moment falls relative to a certificate's validity period.
public enum ValidityStatus: String, Sendable, Equatable {
    /// Before notBefore.
    case notYetValid = "not yet valid"
    /// Within notBefore…notAfter.
    case valid
    /// After notAfter.
    case expired
}
