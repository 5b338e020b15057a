import Crypto
import Foundation

/// Lowercase hex of SHA-256 of `data`, as audit records write receipt digests.
public func sha256Hex(_ data: Data) -> String {
    SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
}
