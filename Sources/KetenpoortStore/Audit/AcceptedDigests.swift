import Foundation

/// The digests a `message.accepted` audit record names, in either format: `received-sha256` and `signed-sha256`
/// (since 2026-12), or the older single `digest`, which was the digest of the received bytes.
public struct AcceptedDigests: Sendable, Equatable {
    /// SHA-256 hex of the bytes the sender posted; nil if the record names none.
    public let received: String?
    /// SHA-256 hex of the signed message the gateway delivers; nil in records of the older format.
    public let signed: String?

    /// Reads the digests from a `message.accepted` record's detail text.
    public init(detail: String) {
        var fields: [Substring: Substring] = [:]
        for pair in detail.split(separator: " ") {
            guard let equals = pair.firstIndex(of: "=") else { continue }
            fields[pair[..<equals]] = pair[pair.index(after: equals)...]
        }
        received = (fields["received-sha256"] ?? fields["digest"]).map(String.init)
        signed = fields["signed-sha256"].map(String.init)
    }
}
