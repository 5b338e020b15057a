import Crypto
import _CryptoExtras
import Foundation

/// The signature algorithm names used in checkpoints.
public enum CheckpointAlgorithm {
    /// RSA PKCS#1 v1.5 with SHA-256.
    public static let rsaPKCS1SHA256 = "rsa-pkcs1-sha256"
    /// ECDSA P-256 with SHA-256, DER-encoded signature.
    public static let ecdsaP256SHA256 = "ecdsa-p256-sha256"
}

/// A checkpoint signer backed by swift-crypto: RSA (2048 bits or more) or ECDSA P-256.
public struct SoftwareCheckpointSigner: CheckpointSigner {
    private enum Key: Sendable {
        case rsa(_RSA.Signing.PrivateKey)
        /// The raw scalar; swift-crypto's P-256 key types are not `Sendable`.
        case p256(Data)
    }

    private let key: Key

    /// Loads a PEM private key: `PRIVATE KEY` (PKCS#8), `RSA PRIVATE KEY` or `EC PRIVATE KEY`.
    public init(pem: String) throws {
        if let ec = try? P256.Signing.PrivateKey(pemRepresentation: pem) {
            key = .p256(ec.rawRepresentation)
            return
        }
        do {
            let rsa = try _RSA.Signing.PrivateKey(pemRepresentation: pem)
            key = .rsa(rsa)
        } catch {
            throw StoreError.signingError("the PEM is neither a P-256 nor an RSA (2048+ bits) private key")
        }
    }

    /// Wraps an RSA private key.
    public init(rsa: _RSA.Signing.PrivateKey) { key = .rsa(rsa) }

    /// Wraps a P-256 private key.
    public init(p256: P256.Signing.PrivateKey) { key = .p256(p256.rawRepresentation) }

    /// Loads a PEM private key file.
    public init(pemFile path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw StoreError.signingError("cannot read private key file \(path)")
        }
        try self.init(pem: String(decoding: data, as: UTF8.self))
    }

    /// The algorithm name for this key type.
    public var algorithm: String {
        switch key {
        case .rsa: return CheckpointAlgorithm.rsaPKCS1SHA256
        case .p256: return CheckpointAlgorithm.ecdsaP256SHA256
        }
    }

    /// The public key as SubjectPublicKeyInfo DER.
    public var publicKeyDER: Data {
        switch key {
        case .rsa(let rsa): return rsa.publicKey.derRepresentation
        case .p256(let raw): return (try? P256.Signing.PrivateKey(rawRepresentation: raw))?.publicKey.derRepresentation ?? Data()
        }
    }

    /// Signs `data` (SHA-256 digest inside).
    public func sign(_ data: Data) throws -> Data {
        do {
            switch key {
            case .rsa(let rsa):
                return try rsa.signature(for: data, padding: .insecurePKCS1v1_5).rawRepresentation
            case .p256(let raw):
                return try P256.Signing.PrivateKey(rawRepresentation: raw).signature(for: data).derRepresentation
            }
        } catch {
            throw StoreError.signingError("signing a checkpoint failed: \(error)")
        }
    }
}

/// A checkpoint verifier backed by swift-crypto, from a SubjectPublicKeyInfo (PEM or DER).
public struct SoftwareCheckpointVerifier: CheckpointVerifier {
    private enum Key: Sendable {
        case rsa(_RSA.Signing.PublicKey)
        /// The SubjectPublicKeyInfo DER; swift-crypto's P-256 key types are not `Sendable`.
        case p256(Data)
    }

    private let key: Key

    /// Creates a verifier from SubjectPublicKeyInfo DER (RSA or P-256).
    public init(spkiDER: Data) throws {
        if let ec = try? P256.Signing.PublicKey(derRepresentation: spkiDER) {
            key = .p256(ec.derRepresentation)
        } else if let rsa = try? _RSA.Signing.PublicKey(derRepresentation: spkiDER) {
            key = .rsa(rsa)
        } else {
            throw StoreError.signingError("the public key is neither P-256 nor RSA (2048+ bits)")
        }
    }

    /// Creates a verifier from a `BEGIN PUBLIC KEY` PEM.
    public init(publicKeyPEM: String) throws {
        if let ec = try? P256.Signing.PublicKey(pemRepresentation: publicKeyPEM) {
            key = .p256(ec.derRepresentation)
        } else if let rsa = try? _RSA.Signing.PublicKey(pemRepresentation: publicKeyPEM) {
            key = .rsa(rsa)
        } else {
            throw StoreError.signingError("the PEM is not a P-256 or RSA (2048+ bits) public key")
        }
    }

    /// The public key as SubjectPublicKeyInfo DER.
    public var publicKeyDER: Data {
        switch key {
        case .rsa(let rsa): return rsa.derRepresentation
        case .p256(let der): return der
        }
    }

    /// Whether `signature` signs `data` with this key under `algorithm`.
    public func isValid(signature: Data, for data: Data, algorithm: String) -> Bool {
        switch key {
        case .rsa(let rsa):
            guard algorithm == CheckpointAlgorithm.rsaPKCS1SHA256 else { return false }
            return rsa.isValidSignature(_RSA.Signing.RSASignature(rawRepresentation: signature), for: data, padding: .insecurePKCS1v1_5)
        case .p256(let der):
            guard algorithm == CheckpointAlgorithm.ecdsaP256SHA256,
                  let ec = try? P256.Signing.PublicKey(derRepresentation: der),
                  let parsed = try? P256.Signing.ECDSASignature(derRepresentation: signature)
            else { return false }
            return ec.isValidSignature(parsed, for: data)
        }
    }
}
