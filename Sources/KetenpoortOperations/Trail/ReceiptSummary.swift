import Foundation

/// What an operator may see of a partner's receipt: digest, size, status and reason code; never its free text.
public struct ReceiptSummary: Encodable, Equatable {
    /// SHA-256 (hex) of the receipt bytes, as the audit trail recorded it.
    public var sha256: String?
    /// The receipt's size in bytes.
    public var bytes: Int
    /// `ontvangen` or `geweigerd`, if found.
    public var status: String?
    /// The refusal reason code (`Weigeringsreden`), if any.
    public var refusal_reason: String?
    /// The partner's receive time (`OntvangstTijdstip`), as written.
    public var received_at: String?

    /// Summarises receipt bytes (reading three simple elements); `sha256` comes from the audit trail.
    public init(_ receipt: Data, sha256: String?) {
        self.sha256 = sha256
        bytes = receipt.count
        let text = String(decoding: receipt, as: UTF8.self)
        status = Self.element("Status", in: text)
        refusal_reason = Self.element("Weigeringsreden", in: text)
        received_at = Self.element("OntvangstTijdstip", in: text)
    }

    /// The text of the first element with this local name (any prefix), if short and on one line.
    private static func element(_ name: String, in text: String) -> String? {
        let pattern = "<(?:[A-Za-z0-9_]+:)?\(name)(?:\\s[^>]*)?>([^<\\n]{1,100})</"
        guard let regex = try? NSRegularExpression(pattern: pattern),
              let match = regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)),
              let range = Range(match.range(at: 1), in: text) else { return nil }
        return text[range].trimmingCharacters(in: .whitespaces)
    }
}
