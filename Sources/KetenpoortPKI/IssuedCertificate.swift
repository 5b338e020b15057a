import SwiftASN1
import X509

/// A certificate together with the private key of its subject.
public struct IssuedCertificate: Sendable {
    /// The certificate.
    public let certificate: Certificate
    /// The subject's private key.
    public let key: KeyPair

    /// Pairs a certificate with its private key.
    public init(certificate: Certificate, key: KeyPair) {
        self.certificate = certificate
        self.key = key
    }

    /// The DER encoding of the certificate.
    public func derBytes() throws -> [UInt8] {
        var serializer = DER.Serializer()
        try serializer.serialize(certificate)
        return serializer.serializedBytes
    }

    /// The certificate as PEM (`BEGIN CERTIFICATE`), ending with a newline.
    public func certificatePEM() throws -> String {
        try certificate.serializeAsPEM().pemString + "\n"
    }

    /// The private key as PKCS#8 PEM (`BEGIN PRIVATE KEY`), ending with a newline.
    public var privateKeyPEM: String {
        key.pkcs8PEM.hasSuffix("\n") ? key.pkcs8PEM : key.pkcs8PEM + "\n"
    }

    /// Writes the certificate (mode 0644) and the private key (mode 0600) as PEM files.
    public func write(certificateTo certificatePath: String, keyTo keyPath: String) throws {
        try SecureFile.write(try certificatePEM(), to: certificatePath, mode: 0o644)
        try SecureFile.write(privateKeyPEM, to: keyPath, mode: 0o600)
    }
}
