import Crypto
import Foundation
import KetenpoortStore

/// The key-encryption key (KEK) each node reads from its own file: it wraps the payload data keys stored in the database.
public struct KeyEncryptionKey: Sendable {
    /// A short id of the key (the first 8 bytes of SHA-256 of it, hex), stored next to each key it wraps.
    public let id: String
    private let bytes: Data

    /// Reads a KEK file: base64 of 32 random bytes, mode 0600.
    public static func read(file path: String) throws -> KeyEncryptionKey {
        let text = String(decoding: try KeyFile.read(at: path), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let bytes = Data(base64Encoded: text), bytes.count == 32 else {
            throw StoreError.keyError("store.keyEncryptionKeyFile: \(path) does not hold base64 of 32 bytes")
        }
        return KeyEncryptionKey(bytes: bytes)
    }

    /// Writes a new random KEK to `path` (mode 0600; the file must not exist).
    public static func create(file path: String) throws -> KeyEncryptionKey {
        let key = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
        try KeyFile.create(at: path, contents: Data((key.base64EncodedString() + "\n").utf8))
        return KeyEncryptionKey(bytes: key)
    }

    private init(bytes: Data) {
        self.bytes = bytes
        id = Data(SHA256.hash(data: bytes).prefix(8)).hexString
    }

    /// Wraps a data key with AES-256-GCM, bound to its key id.
    func wrap(_ dataKey: Data, keyId: String) throws -> Data {
        do {
            guard let combined = try AES.GCM.seal(dataKey, using: SymmetricKey(data: bytes), authenticating: Self.binding(keyId)).combined
            else { throw StoreError.keyError("wrapping payload key \(keyId) produced no output") }
            return combined
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError.keyError("wrapping payload key \(keyId) failed")
        }
    }

    /// Unwraps a data key; fails when this is not the KEK that wrapped it.
    func unwrap(_ wrapped: Data, keyId: String) throws -> Data {
        do {
            return try AES.GCM.open(try AES.GCM.SealedBox(combined: wrapped), using: SymmetricKey(data: bytes),
                                    authenticating: Self.binding(keyId))
        } catch {
            throw StoreError.keyError("payload key \(keyId) cannot be unwrapped with the key-encryption key \(id) (wrong KEK file?)")
        }
    }

    private static func binding(_ keyId: String) -> Data { Data("ketenpoort-dek-v1\u{0}\(keyId)".utf8) }
}
