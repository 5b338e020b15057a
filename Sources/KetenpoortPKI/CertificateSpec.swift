import Foundation

/// Everything needed to issue one certificate: subject, key, validity, usages and names.
public struct CertificateSpec: Sendable {
    /// The subject name (with the OIN in serialNumber, if any).
    public var subject: SubjectName
    /// The kind of key pair to generate for the subject.
    public var keyType: KeyType
    /// The start of validity; may be in the future to make a not-yet-valid certificate.
    public var notBefore: Date
    /// The end of validity; may be in the past to make an expired certificate.
    public var notAfter: Date
    /// The keyUsage bits; an empty set omits the extension.
    public var keyUsage: KeyUsageFlags
    /// Whether the keyUsage extension is marked critical.
    public var keyUsageCritical: Bool
    /// The extendedKeyUsage purposes; empty omits the extension.
    public var extendedKeyUsage: [ExtendedUsage]
    /// DNS names for the subjectAltName extension.
    public var dnsNames: [String]
    /// IP addresses (IPv4 or IPv6 text) for the subjectAltName extension.
    public var ipAddresses: [String]
    /// Whether the certificate is a CA (basicConstraints CA:true, critical).
    public var isCertificateAuthority: Bool

    /// Creates a specification from all of its parts.
    public init(
        subject: SubjectName,
        keyType: KeyType = .rsa2048,
        notBefore: Date,
        notAfter: Date,
        keyUsage: KeyUsageFlags,
        keyUsageCritical: Bool = true,
        extendedKeyUsage: [ExtendedUsage] = [],
        dnsNames: [String] = [],
        ipAddresses: [String] = [],
        isCertificateAuthority: Bool = false
    ) {
        self.subject = subject
        self.keyType = keyType
        self.notBefore = notBefore
        self.notAfter = notAfter
        self.keyUsage = keyUsage
        self.keyUsageCritical = keyUsageCritical
        self.extendedKeyUsage = extendedKeyUsage
        self.dnsNames = dnsNames
        self.ipAddresses = ipAddresses
        self.isCertificateAuthority = isCertificateAuthority
    }

    /// A mutual-TLS certificate: serverAuth+clientAuth, SAN localhost/127.0.0.1/::1 by default.
    public static func tls(
        subject: SubjectName,
        keyType: KeyType = .rsa2048,
        validity: ValidityPeriod = .days(825),
        dnsNames: [String] = ["localhost"],
        ipAddresses: [String] = ["127.0.0.1", "::1"]
    ) -> CertificateSpec {
        var usage: KeyUsageFlags = [.digitalSignature]
        if keyType.isRSA { usage.insert(.keyEncipherment) }
        return CertificateSpec(
            subject: subject, keyType: keyType, notBefore: validity.notBefore, notAfter: validity.notAfter,
            keyUsage: usage, extendedKeyUsage: [.serverAuth, .clientAuth],
            dnsNames: dnsNames, ipAddresses: ipAddresses
        )
    }

    /// A signing certificate for XML signatures: digitalSignature (+ nonRepudiation), critical; EKU documentSigning only.
    public static func signing(
        subject: SubjectName,
        keyType: KeyType = .rsa2048,
        validity: ValidityPeriod = .days(825),
        nonRepudiation: Bool = true,
        extendedKeyUsage: [ExtendedUsage] = [.documentSigning]
    ) -> CertificateSpec {
        CertificateSpec(
            subject: subject, keyType: keyType, notBefore: validity.notBefore, notAfter: validity.notAfter,
            keyUsage: nonRepudiation ? [.digitalSignature, .nonRepudiation] : [.digitalSignature],
            extendedKeyUsage: extendedKeyUsage
        )
    }

    /// A CA certificate: basicConstraints CA:true and keyCertSign+cRLSign, both critical.
    public static func certificateAuthority(
        subject: SubjectName,
        keyType: KeyType = .rsa3072,
        validity: ValidityPeriod = .days(5 * 365 + 1)
    ) -> CertificateSpec {
        CertificateSpec(
            subject: subject, keyType: keyType, notBefore: validity.notBefore, notAfter: validity.notAfter,
            keyUsage: [.keyCertSign, .cRLSign], isCertificateAuthority: true
        )
    }
}

/// A validity period (notBefore … notAfter).
public struct ValidityPeriod: Sendable, Equatable {
    /// The first moment the certificate is valid.
    public var notBefore: Date
    /// The last moment the certificate is valid.
    public var notAfter: Date

    /// Creates a validity period from explicit dates.
    public init(notBefore: Date, notAfter: Date) {
        self.notBefore = notBefore
        self.notAfter = notAfter
    }

    /// Valid from one hour before `start` (for clock skew) until `days` days after `start`.
    public static func days(_ days: Int, from start: Date = Date()) -> ValidityPeriod {
        ValidityPeriod(
            notBefore: start.addingTimeInterval(-3600),
            notAfter: start.addingTimeInterval(TimeInterval(days) * 86_400)
        )
    }

    /// A period that ended `daysAgo` days before `now` (for tests of expired certificates).
    public static func expired(daysAgo: Int = 1, now: Date = Date()) -> ValidityPeriod {
        ValidityPeriod(
            notBefore: now.addingTimeInterval(-TimeInterval(daysAgo + 365) * 86_400),
            notAfter: now.addingTimeInterval(-TimeInterval(daysAgo) * 86_400)
        )
    }

    /// A period that starts `daysAhead` days after `now` (for tests of not-yet-valid certificates).
    public static func notYetValid(daysAhead: Int = 1, now: Date = Date()) -> ValidityPeriod {
        ValidityPeriod(
            notBefore: now.addingTimeInterval(TimeInterval(daysAhead) * 86_400),
            notAfter: now.addingTimeInterval(TimeInterval(daysAhead + 365) * 86_400)
        )
    }
}
