import Foundation
import SwiftASN1
import X509

/// A certificate revocation list (RFC 5280 §5): who issued it, when it was made and is due again, and the serial
/// numbers it revokes.
public struct RevocationList: Sendable {
    /// The issuing CA's name; the list covers only certificates with this issuer.
    public let issuer: DistinguishedName
    /// When the list was made.
    public let thisUpdate: Date
    /// When the next list is due; a list past it is stale.
    public let nextUpdate: Date?
    /// The revoked serial numbers (big-endian, without leading zero bytes).
    public let revokedSerials: Set<[UInt8]>
    private let signedBytes: [UInt8]
    private let signatureAlgorithm: Certificate.SignatureAlgorithm?
    private let signature: [UInt8]

    /// Parses one DER-encoded list; throws `PKIError` naming `source` when it is not a CRL.
    public init(derBytes: [UInt8], source: String) throws {
        do {
            let root = try DER.parse(derBytes)
            var parsed: (tbs: [UInt8], algorithm: ASN1ObjectIdentifier, signature: [UInt8])?
            try DER.sequence(root, identifier: .sequence) { nodes in
                guard let tbs = nodes.next(), let algorithm = nodes.next(), let signature = nodes.next() else {
                    throw ASN1Error.invalidASN1Object(reason: "CertificateList needs three parts")
                }
                let oid = try DER.sequence(algorithm, identifier: .sequence) { parts in
                    let oid = try ASN1ObjectIdentifier(derEncoded: &parts)
                    while parts.next() != nil {}  // parameters (NULL for RSA)
                    return oid
                }
                parsed = (Array(tbs.encodedBytes), oid, Array(try ASN1BitString(derEncoded: signature).bytes))
            }
            guard let parsed else { throw ASN1Error.invalidASN1Object(reason: "empty CertificateList") }
            signedBytes = parsed.tbs
            signatureAlgorithm = Self.algorithm(parsed.algorithm)
            signature = parsed.signature
            var issuerName: DistinguishedName?
            var times: [Date] = []
            var serials = Set<[UInt8]>()
            try DER.sequence(try DER.parse(parsed.tbs), identifier: .sequence) { nodes in
                var node = nodes.next()
                if node?.identifier == .integer { node = nodes.next() }  // version
                node = nodes.next()  // the inner signature algorithm; the outer one is checked
                guard let name = node else { throw ASN1Error.invalidASN1Object(reason: "no issuer") }
                issuerName = try DistinguishedName(derEncoded: name)
                node = nodes.next()
                while let current = node, let time = try Self.time(current) {
                    times.append(time)
                    node = nodes.next()
                }
                if let list = node, list.identifier == .sequence {
                    try DER.sequence(list, identifier: .sequence) { entries in
                        while let entry = entries.next() {
                            try DER.sequence(entry, identifier: .sequence) { fields in
                                guard let serial = fields.next(), case .primitive(let bytes) = serial.content else {
                                    throw ASN1Error.invalidASN1Object(reason: "revoked entry without serial")
                                }
                                serials.insert(Self.magnitude(bytes))
                                while fields.next() != nil {}
                            }
                        }
                    }
                }
                while nodes.next() != nil {}
            }
            guard let issuerName, let thisUpdate = times.first else {
                throw ASN1Error.invalidASN1Object(reason: "no issuer or thisUpdate")
            }
            issuer = issuerName
            self.thisUpdate = thisUpdate
            nextUpdate = times.count > 1 ? times[1] : nil
            revokedSerials = serials
        } catch let error as PKIError {
            throw error
        } catch {
            throw PKIError.unreadableFile(path: source, reason: "not a certificate revocation list (\(error))")
        }
    }

    /// Reads every list in a PEM file (`X509 CRL` blocks) or one DER list.
    public static func load(file: String) throws -> [RevocationList] {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw PKIError.unreadableFile(path: file, reason: "cannot read the file")
        }
        let text = String(decoding: data, as: UTF8.self)
        guard text.contains("-----BEGIN X509 CRL-----") else {
            return [try RevocationList(derBytes: Array(data), source: file)]
        }
        return try PEMDocument.parseMultiple(pemString: text).filter { $0.discriminator == "X509 CRL" }.map {
            try RevocationList(derBytes: $0.derBytes, source: file)
        }
    }

    /// Whether `issuerCertificate` (the CA named as issuer) signed this list.
    public func isSigned(by issuerCertificate: Certificate) -> Bool {
        guard let signatureAlgorithm, issuerCertificate.subject == issuer else { return false }
        return issuerCertificate.publicKey.isValidSignature(signature, for: signedBytes, signatureAlgorithm: signatureAlgorithm)
    }

    /// Whether the list revokes `certificate` (same issuer, serial listed).
    public func revokes(_ certificate: Certificate) -> Bool {
        certificate.issuer == issuer && revokedSerials.contains(Self.magnitude(ArraySlice(certificate.serialNumber.bytes)))
    }

    /// Whether the list is past its next update at `now`.
    public func isStale(at now: Date) -> Bool {
        nextUpdate.map { $0 < now } ?? false
    }

    private static func magnitude(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
        Array(bytes.drop { $0 == 0 })
    }

    private static func time(_ node: ASN1Node) throws -> Date? {
        switch node.identifier {
        case .utcTime:
            let time = try UTCTime(derEncoded: node)
            return date(time.year, time.month, time.day, time.hours, time.minutes, time.seconds)
        case .generalizedTime:
            let time = try GeneralizedTime(derEncoded: node)
            return date(time.year, time.month, time.day, time.hours, time.minutes, time.seconds)
        default:
            return nil
        }
    }

    private static func date(_ year: Int, _ month: Int, _ day: Int, _ hour: Int, _ minute: Int, _ second: Int) -> Date? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
        return calendar.date(from: DateComponents(year: year, month: month, day: day, hour: hour, minute: minute, second: second))
    }

    private static func algorithm(_ oid: ASN1ObjectIdentifier) -> Certificate.SignatureAlgorithm? {
        switch oid.description {
        case "1.2.840.113549.1.1.11": return .sha256WithRSAEncryption
        case "1.2.840.113549.1.1.12": return .sha384WithRSAEncryption
        case "1.2.840.113549.1.1.13": return .sha512WithRSAEncryption
        case "1.2.840.10045.4.3.2": return .ecdsaWithSHA256
        case "1.2.840.10045.4.3.3": return .ecdsaWithSHA384
        case "1.2.840.10045.4.3.4": return .ecdsaWithSHA512
        default: return nil
        }
    }
}
