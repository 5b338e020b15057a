import SwiftASN1

/// Helpers for the Organisatie-identificatienummer (OIN), the 20-digit Dutch government organisation number.
public enum OIN {
    /// The subject attribute type that carries the OIN in PKIoverheid certificates: `serialNumber` (2.5.4.5).
    public static let subjectAttributeType: ASN1ObjectIdentifier = [2, 5, 4, 5]

    /// Whether the text is a syntactically valid OIN: exactly 20 ASCII digits.
    public static func isValid(_ text: String) -> Bool {
        text.utf8.count == 20 && text.utf8.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
    }
}
