import Foundation
import SwiftASN1
import X509

/// Assembles and signs one X.509 v3 certificate from a specification.
enum CertificateBuilder {
    /// Builds the certificate; `issuerKeyIdentifier` nil means self-signed (AKI = own SKI).
    static func build(
        spec: CertificateSpec,
        subjectName: DistinguishedName,
        publicKey: Certificate.PublicKey,
        issuerName: DistinguishedName,
        issuerKey: Certificate.PrivateKey,
        issuerKeyIdentifier: ArraySlice<UInt8>?
    ) throws -> Certificate {
        guard spec.notBefore < spec.notAfter else {
            throw PKIError.invalidSpecification(
                "notBefore \(spec.notBefore) is not before notAfter \(spec.notAfter) for '\(spec.subject.commonName)'")
        }
        let ski = SubjectKeyIdentifier(hash: publicKey)
        let aki = AuthorityKeyIdentifier(keyIdentifier: issuerKeyIdentifier ?? ski.keyIdentifier)
        var extensions = Certificate.Extensions()
        try extensions.append(
            Certificate.Extension(
                spec.isCertificateAuthority
                    ? BasicConstraints.isCertificateAuthority(maxPathLength: nil) : .notCertificateAuthority,
                critical: true))
        if !spec.keyUsage.isEmpty {
            try extensions.append(Certificate.Extension(spec.keyUsage.x509, critical: spec.keyUsageCritical))
        }
        if !spec.extendedKeyUsage.isEmpty {
            let usage = try ExtendedKeyUsage(spec.extendedKeyUsage.map(\.x509))
            try extensions.append(Certificate.Extension(usage, critical: false))
        }
        try extensions.append(Certificate.Extension(ski, critical: false))
        try extensions.append(Certificate.Extension(aki, critical: false))
        let names = try sanNames(spec)
        if !names.isEmpty {
            try extensions.append(Certificate.Extension(SubjectAlternativeNames(names), critical: false))
        }
        return try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(),
            publicKey: publicKey,
            notValidBefore: spec.notBefore,
            notValidAfter: spec.notAfter,
            issuer: issuerName,
            subject: subjectName,
            signatureAlgorithm: try signatureAlgorithm(for: issuerKey),
            extensions: extensions,
            issuerPrivateKey: issuerKey
        )
    }

    /// The subjectAltName entries: DNS names, then IP addresses.
    private static func sanNames(_ spec: CertificateSpec) throws -> [GeneralName] {
        var names = spec.dnsNames.map { GeneralName.dnsName($0) }
        for address in spec.ipAddresses {
            names.append(.ipAddress(ASN1OctetString(contentBytes: try IPAddressBytes.parse(address)[...])))
        }
        return names
    }

    /// SHA-256 with RSA (PKCS#1 v1.5) or ECDSA, as PKIoverheid and xmlsec1 expect.
    private static func signatureAlgorithm(for key: Certificate.PrivateKey) throws -> Certificate.SignatureAlgorithm {
        if key.supportedSignatureAlgorithms.contains(.sha256WithRSAEncryption) {
            return .sha256WithRSAEncryption
        }
        if key.supportedSignatureAlgorithms.contains(.ecdsaWithSHA256) {
            return .ecdsaWithSHA256
        }
        throw PKIError.unsupportedKeyType("issuer key \(key) cannot sign with SHA-256")
    }
}
