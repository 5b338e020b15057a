import Crypto
import Foundation

/// The digest receipts carry: SHA-256 over the exact bytes, base64-encoded.
public enum MessageDigest {
    /// The `Algoritme` attribute of `Berichtdigest` (fixed by the schema).
    public static let algorithmURI = "http://www.w3.org/2001/04/xmlenc#sha256"

    /// Base64 of SHA-256(`bytes`).
    public static func sha256Base64(_ bytes: Data) -> String {
        Data(SHA256.hash(data: bytes)).base64EncodedString()
    }
}
