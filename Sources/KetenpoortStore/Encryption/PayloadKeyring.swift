import Crypto
import Foundation

/// The AES-256 keys that seal payloads at rest, read from `DIR/keys/payload-<id>.key` (mode 0600).
///
/// The active key seals new payloads; every key stays available to open older records, so a new
/// key can be added (``addKey(directory:)``) without re-encrypting anything.
public struct PayloadKeyring: Sendable {
    /// The id of the key that seals new payloads.
    public let activeKeyId: String
    /// Raw key bytes by id; `SymmetricKey` is not `Sendable` in this swift-crypto version.
    private let keys: [String: Data]

    /// The ids of every loaded key.
    public var keyIds: [String] { keys.keys.sorted() }

    /// Loads every key in `directory`, creating the directory and a first key if there is none.
    public static func openOrCreate(directory: String) throws -> PayloadKeyring {
        try KeyFile.ensurePrivateDirectory(directory)
        if try activeId(in: directory) == nil {
            _ = try addKey(directory: directory)
        }
        return try load(directory: directory)
    }

    /// Loads every key in `directory`; the `active` file names the sealing key.
    public static func load(directory: String) throws -> PayloadKeyring {
        guard let active = try activeId(in: directory) else {
            throw StoreError.keyError("no active payload key in \(directory)")
        }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        var keys: [String: SymmetricKey] = [:]
        for name in names where name.hasPrefix("payload-") && name.hasSuffix(".key") {
            let id = String(name.dropFirst("payload-".count).dropLast(".key".count))
            keys[id] = try readKey(path: directory + "/" + name, id: id)
        }
        guard keys[active] != nil else {
            throw StoreError.keyError("the active payload key \(active) has no key file in \(directory)")
        }
        return PayloadKeyring(activeKeyId: active, keys: keys)
    }

    /// Creates a new random key in `directory` and makes it the active one; returns its id.
    @discardableResult
    public static func addKey(directory: String) throws -> String {
        try KeyFile.ensurePrivateDirectory(directory)
        let id = newKeyId()
        let key = SymmetricKey(size: .bits256)
        let text = key.withUnsafeBytes { Data($0).base64EncodedString() } + "\n"
        try KeyFile.create(at: directory + "/payload-\(id).key", contents: Data(text.utf8))
        let activePath = directory + "/active"
        let temporary = activePath + ".tmp-\(id)"
        try KeyFile.create(at: temporary, contents: Data((id + "\n").utf8))
        guard rename(temporary, activePath) == 0 else {
            throw StoreError.keyError("cannot make key \(id) active: errno \(errno)")
        }
        KeyFile.syncDirectory(directory)
        return id
    }

    /// A fresh key id: `k`, the time in base-36 milliseconds, and three random bytes.
    package static func newKeyId() -> String {
        "k" + String(Int64(Date().timeIntervalSince1970 * 1000), radix: 36)
            + "-" + SymmetricKey(size: .bits128).withUnsafeBytes { Data($0.prefix(3)).hexString }
    }

    /// Creates a keyring from keys in memory (for tests and tools).
    public init(activeKeyId: String, keys: [String: SymmetricKey]) {
        self.activeKeyId = activeKeyId
        self.keys = keys.mapValues { key in key.withUnsafeBytes { Data($0) } }
    }

    /// The key with this id, or nil.
    package func key(id: String) -> SymmetricKey? { keys[id].map { SymmetricKey(data: $0) } }

    private static func activeId(in directory: String) throws -> String? {
        let path = directory + "/active"
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let text = String(decoding: try KeyFile.read(at: path), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? nil : text
    }

    private static func readKey(path: String, id: String) throws -> SymmetricKey {
        let text = String(decoding: try KeyFile.read(at: path), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        guard let bytes = Data(base64Encoded: text), bytes.count == 32 else {
            throw StoreError.keyError("key file \(path) does not hold a base64 256-bit key")
        }
        return SymmetricKey(data: bytes)
    }
}
