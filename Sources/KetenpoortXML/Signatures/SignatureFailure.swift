/// Why a signature was not accepted; each case has a stable code for logs and receipts.
public enum SignatureFailure: Error, Sendable, Hashable, CustomStringConvertible {
    /// The document carries no ds:Signature.
    case missing
    /// More than one ds:Signature, or dsig elements outside the signature.
    case multiple
    /// The signature is not the last child element of the root.
    case misplaced
    /// The signature's structure differs from the agreed profile (detail says which part).
    case profile(String)
    /// An algorithm outside the agreed set (e.g. SHA-1, HMAC).
    case weakAlgorithm(String)
    /// The digest or signature value does not match the content.
    case invalid
    /// The certificate does not chain to a trusted anchor.
    case untrustedCertificate
    /// The certificate is expired or not yet valid at verification time.
    case certificateNotValidNow
    /// The certificate has neither the digitalSignature nor the nonRepudiation key usage.
    case keyUsage
    /// The signer is trusted but is not the party that was expected.
    case unexpectedSigner
    /// The trust anchors could not be loaded.
    case trustAnchorsUnusable
    /// The certificate is a TLS certificate (extendedKeyUsage serverAuth/clientAuth without a document-signing purpose).
    case notASigningCertificate

    /// Stable code, e.g. `KP-G005`.
    public var code: String {
        switch self {
        case .missing: return "KP-G001"
        case .multiple: return "KP-G002"
        case .misplaced: return "KP-G003"
        case .profile: return "KP-G004"
        case .weakAlgorithm: return "KP-G005"
        case .invalid: return "KP-G006"
        case .untrustedCertificate: return "KP-G007"
        case .certificateNotValidNow: return "KP-G008"
        case .keyUsage: return "KP-G009"
        case .unexpectedSigner: return "KP-G010"
        case .trustAnchorsUnusable: return "KP-G011"
        case .notASigningCertificate: return "KP-G012"
        }
    }

    /// Explanation naming the rule that failed.
    public var description: String {
        switch self {
        case .missing: return "\(code) the document is not signed"
        case .multiple: return "\(code) the document must contain exactly one ds:Signature"
        case .misplaced: return "\(code) the ds:Signature must be the last child element of the root"
        case .profile(let detail): return "\(code) the signature does not follow the agreed profile: \(detail)"
        case .weakAlgorithm(let uri): return "\(code) algorithm not allowed: \(uri)"
        case .invalid: return "\(code) the signature does not match the content (changed after signing?)"
        case .untrustedCertificate: return "\(code) the signing certificate does not chain to a trusted anchor"
        case .certificateNotValidNow: return "\(code) the signing certificate is expired or not yet valid"
        case .keyUsage: return "\(code) the signing certificate has neither the digitalSignature nor the nonRepudiation key usage"
        case .unexpectedSigner: return "\(code) the document is signed by another party than expected"
        case .trustAnchorsUnusable: return "\(code) the trust anchors could not be loaded"
        case .notASigningCertificate:
            return "\(code) the signing certificate is a TLS certificate (serverAuth/clientAuth without a document-signing purpose)"
        }
    }
}
