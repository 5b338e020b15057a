import KetenpoortXML

/// Why a receipt was not accepted; `reason` is stable for logs, metrics and audit; nothing echoes content.
public enum ReceiptVerificationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The receipt's digest differs from SHA-256 of the bytes that were sent.
    case wrongDigest
    /// The receipt acknowledges another message id.
    case wrongMessage
    /// Signed by a trusted certificate that is not one of the partner's receipt signers.
    case unexpectedSigner
    /// The signature is missing, invalid, outside the profile or untrusted.
    case badSignature(SignatureFailure)
    /// Unreadable, not a receipt, schema-invalid or breaking a rule (findings carry codes and paths, no values).
    case invalid([Finding])

    /// Stable reason, e.g. `wrong-digest`.
    public var reason: String {
        switch self {
        case .wrongDigest: return "wrong-digest"
        case .wrongMessage: return "wrong-message"
        case .unexpectedSigner: return "unexpected-signer"
        case .badSignature: return "bad-signature"
        case .invalid: return "invalid"
        }
    }

    /// Explanation naming the check that failed.
    public var description: String {
        switch self {
        case .wrongDigest:
            return "receipt: Berichtdigest does not equal SHA-256 of the delivered bytes"
        case .wrongMessage:
            return "receipt: OntvangenBerichtId is not the id of the delivered message"
        case .unexpectedSigner:
            return "receipt: signed by a certificate that is not configured as this partner's receipt signer"
        case .badSignature(let failure):
            return "receipt: signature not accepted: \(failure)"
        case .invalid(let findings):
            let codes = findings.map { finding in finding.path.map { "\(finding.code) at \($0)" } ?? finding.code }
            return "receipt: not a valid Ontvangstbevestiging: " + codes.joined(separator: "; ")
        }
    }
}
