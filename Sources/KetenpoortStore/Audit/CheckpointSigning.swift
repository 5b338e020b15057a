import Crypto
import Foundation

/// Signs audit checkpoints with the gateway's signing key.
public protocol CheckpointSigner: Sendable {
    /// The algorithm name recorded with each checkpoint (`rsa-pkcs1-sha256` or `ecdsa-p256-sha256`).
    var algorithm: String { get }
    /// The signer's public key as SubjectPublicKeyInfo DER.
    var publicKeyDER: Data { get }
    /// Signs `data`.
    func sign(_ data: Data) throws -> Data
}

/// Verifies checkpoint signatures with a public key.
public protocol CheckpointVerifier: Sendable {
    /// The verifier's public key as SubjectPublicKeyInfo DER.
    var publicKeyDER: Data { get }
    /// Whether `signature` is a valid signature of `data` under `algorithm`.
    func isValid(signature: Data, for data: Data, algorithm: String) -> Bool
}

extension CheckpointSigner {
    /// SHA-256 (hex) of the public key's SubjectPublicKeyInfo DER.
    public var keyFingerprint: String { Data(SHA256.hash(data: publicKeyDER)).hexString }
}

extension CheckpointVerifier {
    /// SHA-256 (hex) of the public key's SubjectPublicKeyInfo DER.
    public var keyFingerprint: String { Data(SHA256.hash(data: publicKeyDER)).hexString }
}
