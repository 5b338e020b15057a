/// What a partner says about a delivered message in its receipt.
public enum ReceiptStatus: Sendable, Hashable, CustomStringConvertible {
    /// `ontvangen`: accepted.
    case received
    /// `geweigerd`, with the schema's reason code.
    case refused(ReceiptRefusalReason)

    /// The `Status` element value.
    public var statusCode: String {
        switch self {
        case .received: return "ontvangen"
        case .refused: return "geweigerd"
        }
    }

    /// The `Weigeringsreden`, present only for a refusal.
    public var refusalReason: ReceiptRefusalReason? {
        if case .refused(let reason) = self { return reason }
        return nil
    }

    /// `ontvangen` or `geweigerd (reason)`.
    public var description: String {
        switch self {
        case .received: return "ontvangen"
        case .refused(let reason): return "geweigerd (\(reason.rawValue))"
        }
    }
}

/// The refusal reason codes of `Schemas/Ontvangstbevestiging.xsd` (`Weigeringsreden`).
public enum ReceiptRefusalReason: String, Sendable, Hashable, CaseIterable, Codable {
    /// The message does not conform to its schema or the contract's rules.
    case schemaInvalid = "schema-ongeldig"
    /// The message's signature is invalid or not from the gateway.
    case signatureInvalid = "handtekening-ongeldig"
    /// The sender is not known to the partner.
    case unknownSender = "onbekende-afzender"
    /// The message is not meant for this partner.
    case notForRecipient = "niet-bestemd-voor-ontvanger"
    /// A message with this BerichtId but other content was received before.
    case duplicateWithOtherContent = "dubbel-met-andere-inhoud"
    /// The partner cannot process it now; the gateway should retry later.
    case temporarilyUnavailable = "tijdelijk-niet-verwerkbaar"
    /// Any other reason.
    case other = "overig"
}
