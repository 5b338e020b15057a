import Foundation

/// Where and how one partner receives: endpoint, receipt signers, concurrency.
public struct PartnerRoute: Sendable {
    /// Partner id, e.g. `vt-haaglanden`.
    public let id: String
    /// HTTPS URL the signed message is POSTed to.
    public let endpoint: String
    /// DER certificates allowed to sign this partner's receipts.
    public let receiptSigners: [Data]
    /// Deliveries in flight at once.
    public let concurrency: Int

    /// Creates a route.
    public init(id: String, endpoint: String, receiptSigners: [Data], concurrency: Int) {
        self.id = id
        self.endpoint = endpoint
        self.receiptSigners = receiptSigners
        self.concurrency = max(1, concurrency)
    }
}

/// What one delivery attempt came to.
public enum CourierOutcome: Sendable {
    /// The partner confirmed receipt with a valid signed receipt (kept as bytes).
    case delivered(receipt: Data)
    /// The partner refused with a valid signed receipt; not retried.
    case refused(reason: String, receipt: Data)
    /// A temporary problem (connection, timeout, 408, 429, 5xx, bad receipt): try again later.
    case retry(errorClass: String, text: String)
    /// The partner answered with a valid signed `tijdelijk-niet-verwerkbaar` receipt: try again later, like a 5xx.
    case tryLater(receipt: Data)
    /// A permanent problem (other 4xx): do not try again.
    case permanent(errorClass: String, text: String)
}
