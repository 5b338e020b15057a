import Foundation
import SwiftASN1
import X509

/// A CA that can issue certificates: its certificate and private key.
public struct CertificateAuthority: Sendable {
    /// The CA's own certificate and key.
    public let issued: IssuedCertificate

    /// Wraps an issued certificate as a CA; fails if it is not a CA certificate.
    public init(_ issued: IssuedCertificate) throws {
        guard let constraints = try? issued.certificate.extensions.basicConstraints,
            case .isCertificateAuthority = constraints
        else {
            throw PKIError.invalidSpecification("certificate '\(issued.certificate.subject)' is not a CA")
        }
        self.issued = issued
    }

    /// Creates a new self-signed CA (default RSA-3072, 5 years).
    public static func create(
        subject: SubjectName,
        keyType: KeyType = .rsa3072,
        validity: ValidityPeriod = .days(5 * 365 + 1)
    ) throws -> CertificateAuthority {
        let spec = CertificateSpec.certificateAuthority(subject: subject, keyType: keyType, validity: validity)
        let key = try KeyPair(keyType)
        let name = try subject.distinguishedName()
        let certificate = try CertificateBuilder.build(
            spec: spec, subjectName: name, publicKey: key.privateKey.publicKey,
            issuerName: name, issuerKey: key.privateKey, issuerKeyIdentifier: nil
        )
        return try CertificateAuthority(IssuedCertificate(certificate: certificate, key: key))
    }

    /// Loads a CA from a PEM certificate file and a PKCS#8 PEM key file.
    public static func load(certificateFile: String, keyFile: String) throws -> CertificateAuthority {
        let certificate = try CertificateInfo.load(file: certificateFile).certificate
        let keyText = String(decoding: try SecureFile.read(keyFile), as: UTF8.self)
        let key = try KeyPair(pkcs8PEM: keyText, source: keyFile)
        guard key.privateKey.publicKey == certificate.publicKey else {
            throw PKIError.invalidPrivateKey(source: keyFile, reason: "does not match the certificate in \(certificateFile)")
        }
        return try CertificateAuthority(IssuedCertificate(certificate: certificate, key: key))
    }

    /// Issues a certificate for a newly generated key according to `spec`, signed by this CA.
    public func issue(_ spec: CertificateSpec) throws -> IssuedCertificate {
        let key = try KeyPair(spec.keyType)
        let issuerKeyIdentifier = (try? issued.certificate.extensions.subjectKeyIdentifier)?.keyIdentifier
            ?? SubjectKeyIdentifier(hash: issued.certificate.publicKey).keyIdentifier
        let certificate = try CertificateBuilder.build(
            spec: spec, subjectName: try spec.subject.distinguishedName(), publicKey: key.privateKey.publicKey,
            issuerName: issued.certificate.subject, issuerKey: issued.key.privateKey,
            issuerKeyIdentifier: issuerKeyIdentifier
        )
        return IssuedCertificate(certificate: certificate, key: key)
    }
}
