/// Which organisations may send which kinds of message (step 4 of admission).
public struct SenderPolicy: Sendable {
    private let allowedKinds: [String: Set<String>]

    /// Creates a policy from OIN → allowed kind names.
    public init(_ allowedKinds: [String: Set<String>]) {
        self.allowedKinds = allowedKinds
    }

    /// Throws a KP-A finding unless the authenticated OIN is the header's sender and may send this kind.
    public func authorise(authenticatedOIN: String, header: MessageHeader) throws(AuthorisationFailure) {
        guard authenticatedOIN == header.senderOIN else {
            throw .senderMismatch
        }
        guard let kinds = allowedKinds[authenticatedOIN] else {
            throw .unknownSender
        }
        guard kinds.contains(header.kind) else {
            throw .kindNotAllowed(header.kind)
        }
    }

    /// True when the organisation is a configured sender at all.
    public func knows(_ oin: String) -> Bool {
        allowedKinds[oin] != nil
    }
}

/// Why a sender was not allowed; codes are in docs/rules.md.
public enum AuthorisationFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// The header names another sender than the TLS certificate.
    case senderMismatch
    /// The organisation is not a configured sender.
    case unknownSender
    /// The organisation may not send this kind.
    case kindNotAllowed(String)

    /// Stable code.
    public var code: String {
        switch self {
        case .senderMismatch: return "KP-A001"
        case .unknownSender, .kindNotAllowed: return "KP-A002"
        }
    }

    /// Explanation without message content.
    public var description: String {
        switch self {
        case .senderMismatch: return "the OIN in the header (Afzender/OIN) is not the OIN of the TLS client certificate"
        case .unknownSender: return "the organisation of the TLS client certificate is not a configured sender"
        case .kindNotAllowed(let kind): return "this sender may not send messages of kind \(kind)"
        }
    }
}
