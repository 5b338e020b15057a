import Crypto
import Foundation

/// A witness's signature over a gateway's signed tree head: "this witness saw this head, consistent with all before".
public struct WitnessCosignature: Sendable, Hashable, Codable {
    /// The witness's name (from its configuration).
    public var witness: String
    /// SHA-256 of the witness's SubjectPublicKeyInfo DER (32 bytes).
    public var keySHA256: Data
    /// The signature algorithm, `rsa-pkcs1-sha256` or `ecdsa-p256-sha256`.
    public var algorithm: String
    /// When the witness accepted the head, in milliseconds since the Unix epoch.
    public var witnessedMillis: Int64
    /// The signature over ``message(for:witnessedMillis:)``.
    public var signature: Data

    /// Creates a cosignature from its fields (no signing, no checking).
    public init(witness: String, keySHA256: Data, algorithm: String, witnessedMillis: Int64, signature: Data) {
        self.witness = witness
        self.keySHA256 = keySHA256
        self.algorithm = algorithm
        self.witnessedMillis = witnessedMillis
        self.signature = signature
    }

    /// The signed bytes: `"KPWITNESS1" ‖ head.keySHA256 ‖ u64be(treeSize) ‖ rootHash ‖ i64be(timeMillis) ‖ i64be(witnessedMillis)`.
    public static func message(for head: SignedTreeHead, witnessedMillis: Int64) -> Data {
        var out = Data("KPWITNESS1".utf8)
        out.append(head.keySHA256)
        withUnsafeBytes(of: UInt64(bitPattern: head.treeSize).bigEndian) { out.append(contentsOf: $0) }
        out.append(head.rootHash)
        withUnsafeBytes(of: head.timeMillis.bigEndian) { out.append(contentsOf: $0) }
        withUnsafeBytes(of: witnessedMillis.bigEndian) { out.append(contentsOf: $0) }
        return out
    }

    /// Cosigns `head` as witness `witness` with `signer`.
    public static func sign(_ head: SignedTreeHead, witness: String, witnessedMillis: Int64,
                            signer: any CheckpointSigner) throws -> WitnessCosignature {
        WitnessCosignature(
            witness: witness, keySHA256: Data(SHA256.hash(data: signer.publicKeyDER)), algorithm: signer.algorithm,
            witnessedMillis: witnessedMillis, signature: try signer.sign(message(for: head, witnessedMillis: witnessedMillis)))
    }

    /// Whether this cosignature names `verifier`'s key and signs `head` with it.
    public func isValid(for head: SignedTreeHead, with verifier: any CheckpointVerifier) -> Bool {
        guard keySHA256 == Data(SHA256.hash(data: verifier.publicKeyDER)) else { return false }
        return verifier.isValid(signature: signature, for: Self.message(for: head, witnessedMillis: witnessedMillis),
                                algorithm: algorithm)
    }

    private enum CodingKeys: String, CodingKey {
        case witness
        case keySHA256 = "key_sha256"
        case algorithm
        case witnessedMillis = "witnessed_ms"
        case signature
    }

    /// Decodes the JSON form (hex key hash, base64 signature).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        witness = try container.decode(String.self, forKey: .witness)
        let keyText = try container.decode(String.self, forKey: .keySHA256)
        guard let key = Data(hexString: keyText), key.count == 32 else {
            throw DecodingError.dataCorruptedError(forKey: .keySHA256, in: container, debugDescription: "not 32 bytes of hex")
        }
        keySHA256 = key
        algorithm = try container.decode(String.self, forKey: .algorithm)
        witnessedMillis = try container.decode(Int64.self, forKey: .witnessedMillis)
        guard let signature = Data(base64Encoded: try container.decode(String.self, forKey: .signature)) else {
            throw DecodingError.dataCorruptedError(forKey: .signature, in: container, debugDescription: "not base64")
        }
        self.signature = signature
    }

    /// Encodes the JSON form (hex key hash, base64 signature).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(witness, forKey: .witness)
        try container.encode(keySHA256.hexString, forKey: .keySHA256)
        try container.encode(algorithm, forKey: .algorithm)
        try container.encode(witnessedMillis, forKey: .witnessedMillis)
        try container.encode(signature.base64EncodedString(), forKey: .signature)
    }
}
