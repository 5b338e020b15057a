import Crypto
import Foundation

/// A signed statement of the audit tree at some moment: its size and Merkle root, signed by the gateway (KPCHECK2).
public struct SignedTreeHead: Sendable, Hashable, Codable {
    /// The number of leaves (audit records) in the tree.
    public var treeSize: Int64
    /// The RFC 9162 Merkle root of the first `treeSize` leaves (32 bytes).
    public var rootHash: Data
    /// When the head was signed, in milliseconds since the Unix epoch.
    public var timeMillis: Int64
    /// SHA-256 of the signer's SubjectPublicKeyInfo DER (32 bytes).
    public var keySHA256: Data
    /// The signature algorithm, `rsa-pkcs1-sha256` or `ecdsa-p256-sha256`.
    public var algorithm: String
    /// The signature over ``message``.
    public var signature: Data

    /// Creates a head from its fields (no signing, no checking).
    public init(treeSize: Int64, rootHash: Data, timeMillis: Int64, keySHA256: Data, algorithm: String, signature: Data) {
        self.treeSize = treeSize
        self.rootHash = rootHash
        self.timeMillis = timeMillis
        self.keySHA256 = keySHA256
        self.algorithm = algorithm
        self.signature = signature
    }

    /// The bytes that are signed: `"KPCHECK2" ‖ u64be(treeSize) ‖ rootHash ‖ i64be(timeMillis) ‖ keySHA256`.
    public var message: Data {
        Self.message(treeSize: treeSize, rootHash: rootHash, timeMillis: timeMillis, keySHA256: keySHA256)
    }

    /// The signed bytes for the given fields.
    public static func message(treeSize: Int64, rootHash: Data, timeMillis: Int64, keySHA256: Data) -> Data {
        var out = Data("KPCHECK2".utf8)
        withUnsafeBytes(of: UInt64(bitPattern: treeSize).bigEndian) { out.append(contentsOf: $0) }
        out.append(rootHash)
        withUnsafeBytes(of: timeMillis.bigEndian) { out.append(contentsOf: $0) }
        out.append(keySHA256)
        return out
    }

    /// Signs a head of `treeSize` leaves with `rootHash` at `timeMillis`.
    public static func sign(treeSize: Int64, rootHash: Data, timeMillis: Int64, signer: any CheckpointSigner) throws -> SignedTreeHead {
        let keySHA256 = Data(SHA256.hash(data: signer.publicKeyDER))
        let message = message(treeSize: treeSize, rootHash: rootHash, timeMillis: timeMillis, keySHA256: keySHA256)
        return SignedTreeHead(
            treeSize: treeSize, rootHash: rootHash, timeMillis: timeMillis, keySHA256: keySHA256,
            algorithm: signer.algorithm, signature: try signer.sign(message))
    }

    /// Whether the head names `verifier`'s key and its signature verifies with it.
    public func isValid(with verifier: any CheckpointVerifier) -> Bool {
        guard keySHA256 == Data(SHA256.hash(data: verifier.publicKeyDER)) else { return false }
        return verifier.isValid(signature: signature, for: message, algorithm: algorithm)
    }

    /// The key's SHA-256 as lower-case hex (as in KPCHECK1 checkpoints' `key_fingerprint`).
    public var keyFingerprint: String { keySHA256.hexString }

    private enum CodingKeys: String, CodingKey {
        case treeSize = "tree_size"
        case rootHash = "root_hash"
        case timeMillis = "time_ms"
        case keySHA256 = "key_sha256"
        case algorithm
        case signature
    }

    /// Decodes the JSON form (hex hashes, base64 signature).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        treeSize = try container.decode(Int64.self, forKey: .treeSize)
        rootHash = try Self.decodeHash(container, .rootHash)
        timeMillis = try container.decode(Int64.self, forKey: .timeMillis)
        keySHA256 = try Self.decodeHash(container, .keySHA256)
        algorithm = try container.decode(String.self, forKey: .algorithm)
        let signatureText = try container.decode(String.self, forKey: .signature)
        guard let signature = Data(base64Encoded: signatureText) else {
            throw DecodingError.dataCorruptedError(forKey: .signature, in: container, debugDescription: "not base64")
        }
        self.signature = signature
    }

    /// Encodes the JSON form (hex hashes, base64 signature).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(treeSize, forKey: .treeSize)
        try container.encode(rootHash.hexString, forKey: .rootHash)
        try container.encode(timeMillis, forKey: .timeMillis)
        try container.encode(keySHA256.hexString, forKey: .keySHA256)
        try container.encode(algorithm, forKey: .algorithm)
        try container.encode(signature.base64EncodedString(), forKey: .signature)
    }

    private static func decodeHash(_ container: KeyedDecodingContainer<CodingKeys>, _ key: CodingKeys) throws -> Data {
        let text = try container.decode(String.self, forKey: key)
        guard let hash = Data(hexString: text), hash.count == 32 else {
            throw DecodingError.dataCorruptedError(forKey: key, in: container, debugDescription: "not 32 bytes of hex")
        }
        return hash
    }
}
