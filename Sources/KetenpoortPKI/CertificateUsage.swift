import X509

/// The keyUsage bits a certificate may carry.
public struct KeyUsageFlags: OptionSet, Sendable, Hashable {
    /// The raw bit set (this module's own numbering, not the DER bit order).
    public let rawValue: UInt16
    /// Creates a flag set from raw bits.
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// digitalSignature: TLS handshakes, XML signatures.
    public static let digitalSignature = KeyUsageFlags(rawValue: 1 << 0)
    /// nonRepudiation (contentCommitment): signatures that bind the organisation.
    public static let nonRepudiation = KeyUsageFlags(rawValue: 1 << 1)
    /// keyEncipherment: RSA key transport in TLS 1.2.
    public static let keyEncipherment = KeyUsageFlags(rawValue: 1 << 2)
    /// dataEncipherment.
    public static let dataEncipherment = KeyUsageFlags(rawValue: 1 << 3)
    /// keyAgreement: (EC)DH with a static key.
    public static let keyAgreement = KeyUsageFlags(rawValue: 1 << 4)
    /// keyCertSign: the key signs certificates (CAs only).
    public static let keyCertSign = KeyUsageFlags(rawValue: 1 << 5)
    /// cRLSign: the key signs revocation lists (CAs only).
    public static let cRLSign = KeyUsageFlags(rawValue: 1 << 6)

    /// The swift-certificates `KeyUsage` extension value with the same bits.
    var x509: KeyUsage {
        KeyUsage(
            digitalSignature: contains(.digitalSignature),
            nonRepudiation: contains(.nonRepudiation),
            keyEncipherment: contains(.keyEncipherment),
            dataEncipherment: contains(.dataEncipherment),
            keyAgreement: contains(.keyAgreement),
            keyCertSign: contains(.keyCertSign),
            cRLSign: contains(.cRLSign)
        )
    }

    /// The flags set in a swift-certificates `KeyUsage` value.
    init(_ usage: KeyUsage) {
        var flags: KeyUsageFlags = []
        if usage.digitalSignature { flags.insert(.digitalSignature) }
        if usage.nonRepudiation { flags.insert(.nonRepudiation) }
        if usage.keyEncipherment { flags.insert(.keyEncipherment) }
        if usage.dataEncipherment { flags.insert(.dataEncipherment) }
        if usage.keyAgreement { flags.insert(.keyAgreement) }
        if usage.keyCertSign { flags.insert(.keyCertSign) }
        if usage.cRLSign { flags.insert(.cRLSign) }
        self = flags
    }

    /// The names of the set bits, in OpenSSL's spelling order.
    public var names: [String] {
        let all: [(KeyUsageFlags, String)] = [
            (.digitalSignature, "digitalSignature"), (.nonRepudiation, "nonRepudiation"),
            (.keyEncipherment, "keyEncipherment"), (.dataEncipherment, "dataEncipherment"),
            (.keyAgreement, "keyAgreement"), (.keyCertSign, "keyCertSign"), (.cRLSign, "cRLSign"),
        ]
        return all.filter { contains($0.0) }.map(\.1)
    }
}

/// An extendedKeyUsage purpose this module issues.
public enum ExtendedUsage: String, Sendable, Hashable, CaseIterable, Codable {
    /// TLS server authentication (1.3.6.1.5.5.7.3.1).
    case serverAuth
    /// TLS client authentication (1.3.6.1.5.5.7.3.2).
    case clientAuth
    /// E-mail protection (1.3.6.1.5.5.7.3.4), used by some document-signing profiles.
    case emailProtection
    /// Document signing (1.3.6.1.5.5.7.3.36, RFC 9336): keeps a signing key out of TLS.
    case documentSigning

    /// The swift-certificates usage value.
    var x509: ExtendedKeyUsage.Usage {
        switch self {
        case .serverAuth: return .serverAuth
        case .clientAuth: return .clientAuth
        case .emailProtection: return .emailProtection
        case .documentSigning: return ExtendedKeyUsage.Usage(oid: [1, 3, 6, 1, 5, 5, 7, 3, 36])
        }
    }
}

/// Which certificates may sign XML messages: the rule `SignatureVerifier` applies to every signer (KP-G009, KP-G012).
public enum MessageSigningPurpose {
    /// extendedKeyUsage purposes (as `CertificateInfo` spells them) that name document signing: documentSigning
    /// (RFC 9336), emailProtection, Microsoft document signing and Adobe Authentic Documents Trust.
    public static let documentPurposes: Set<String> = [
        "documentSigning", "emailProtection", "1.3.6.1.4.1.311.10.3.12", "1.2.840.113583.1.1.5",
    ]

    /// True when keyUsage has digitalSignature or nonRepudiation and the certificate is not a TLS certificate
    /// (an extendedKeyUsage with serverAuth or clientAuth but no document-signing purpose).
    public static func allows(keyUsage: KeyUsageFlags, extendedKeyUsage: [String]) -> Bool {
        guard !keyUsage.isDisjoint(with: [.digitalSignature, .nonRepudiation]) else { return false }
        let tls = extendedKeyUsage.contains("serverAuth") || extendedKeyUsage.contains("clientAuth")
        return !tls || extendedKeyUsage.contains(where: documentPurposes.contains)
    }
}

extension CertificateInfo {
    /// True when this certificate may sign XML messages (see `MessageSigningPurpose`).
    public var maySignMessages: Bool {
        MessageSigningPurpose.allows(keyUsage: keyUsage, extendedKeyUsage: extendedKeyUsage)
    }
}
