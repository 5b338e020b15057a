import Foundation

/// A receipt whose signature, signer, schema, message id and digest were all checked.
public struct VerifiedReceipt: Sendable, Hashable {
    /// `ontvangen` or `geweigerd` with its reason.
    public let status: ReceiptStatus
    /// The receipt's own BerichtId.
    public let receiptId: String
    /// `OntvangstTijdstip` as written by the partner.
    public let receivedAt: String
    /// `Berichtdigest` (base64 SHA-256 of the bytes the partner received).
    public let digestBase64: String
    /// OIN of the certificate that signed the receipt.
    public let signerOIN: String?
    /// The receipt exactly as received (to store as proof).
    public let bytes: Data

    /// Creates a verified receipt (used by `ReceiptVerifier`).
    public init(status: ReceiptStatus, receiptId: String, receivedAt: String, digestBase64: String,
                signerOIN: String?, bytes: Data) {
        self.status = status
        self.receiptId = receiptId
        self.receivedAt = receivedAt
        self.digestBase64 = digestBase64
        self.signerOIN = signerOIN
        self.bytes = bytes
    }
}
