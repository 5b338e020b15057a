import Foundation
import KetenpoortStore
import KetenpoortXML

/// Signs audit checkpoints with a key inside a PKCS#11 token, in the same format as `SoftwareCheckpointSigner`
/// for the same key type, so `audit verify` and the witnesses verify them unchanged.
public struct Pkcs11CheckpointSigner: CheckpointSigner {
    private let key: Pkcs11PrivateKey

    /// Signs with `key`.
    public init(key: Pkcs11PrivateKey) {
        self.key = key
    }

    /// `rsa-pkcs1-sha256` or `ecdsa-p256-sha256`, by the key type.
    public var algorithm: String {
        switch key.kind {
        case .rsa: return CheckpointAlgorithm.rsaPKCS1SHA256
        case .ecdsaP256: return CheckpointAlgorithm.ecdsaP256SHA256
        }
    }

    /// The token key's public key as SubjectPublicKeyInfo DER.
    public var publicKeyDER: Data { key.publicKeyDER }

    /// Signs `data` in the token (SHA-256 inside): a raw RSA PKCS#1 v1.5 signature, or a DER-encoded ECDSA one.
    public func sign(_ data: Data) throws -> Data {
        do {
            return try key.signSHA256(data)
        } catch {
            throw StoreError.signingError("signing a checkpoint failed: \(error)")
        }
    }
}
