import Foundation

/// A head of this gateway that a witness cosigned, as the gateway keeps it.
public struct StoredCosignature: Sendable, Hashable {
    /// The witness's configured name.
    public let witness: String
    /// The gateway's signed tree head the witness accepted.
    public let head: SignedTreeHead
    /// The witness's cosignature, verified with its configured certificate before it was stored.
    public let cosignature: WitnessCosignature
    /// When the gateway stored it, in milliseconds since the Unix epoch.
    public let receivedMillis: Int64

    /// Creates a stored cosignature.
    public init(witness: String, head: SignedTreeHead, cosignature: WitnessCosignature, receivedMillis: Int64) {
        self.witness = witness
        self.head = head
        self.cosignature = cosignature
        self.receivedMillis = receivedMillis
    }
}

/// Where the gateway keeps the cosignatures its witnesses returned (append-only).
public protocol WitnessCosignatureStore: Sendable {
    /// Stores a verified cosignature of `head` by `witness`.
    func recordCosignature(witness: String, head: SignedTreeHead, cosignature: WitnessCosignature, now: Date) async throws
    /// The latest cosignature (largest tree size) of each witness.
    func latestCosignatures() async throws -> [StoredCosignature]
}
