import Crypto
import _CryptoExtras
import X509

/// A private key (freshly generated or loaded) together with its PKCS#8 PEM encoding.
public struct KeyPair: Sendable {
    /// The kind of key.
    public let keyType: KeyType
    /// The key in the form swift-certificates signs with.
    public let privateKey: Certificate.PrivateKey
    /// The key as PKCS#8 PEM (`BEGIN PRIVATE KEY`), loadable by OpenSSL 3, xmlsec1 and swift-nio-ssl.
    public let pkcs8PEM: String

    /// Generates a new random key of the given type.
    public init(_ keyType: KeyType) throws {
        self.keyType = keyType
        switch keyType {
        case .rsa2048, .rsa3072, .rsa4096:
            let size: _RSA.Signing.KeySize
            switch keyType {
            case .rsa3072: size = .bits3072
            case .rsa4096: size = .bits4096
            default: size = .bits2048
            }
            let rsa = try _RSA.Signing.PrivateKey(keySize: size)
            self.privateKey = Certificate.PrivateKey(rsa)
            self.pkcs8PEM = rsa.pkcs8PEMRepresentation
        case .p256:
            let ec = P256.Signing.PrivateKey()
            self.privateKey = Certificate.PrivateKey(ec)
            self.pkcs8PEM = ec.pemRepresentation
        }
    }

    /// Wraps an existing key loaded from PKCS#8 PEM text; other PEM key formats are refused with a hint.
    public init(pkcs8PEM: String, source: String) throws {
        guard pkcs8PEM.contains("-----BEGIN PRIVATE KEY-----") else {
            throw PKIError.invalidPrivateKey(
                source: source,
                reason: "expected PKCS#8 PEM ('BEGIN PRIVATE KEY'); convert with 'openssl pkey -in KEY -out KEY.pk8'")
        }
        let key: Certificate.PrivateKey
        do {
            key = try Certificate.PrivateKey(pemEncoded: pkcs8PEM)
        } catch {
            throw PKIError.invalidPrivateKey(source: source, reason: PEMFileDiagnosis.privateKeyProblem(in: Array(pkcs8PEM.utf8)))
        }
        guard let type = KeyType(publicKey: key.publicKey) else {
            throw PKIError.invalidPrivateKey(source: source, reason: "unsupported key type \(key.publicKey)")
        }
        self.keyType = type
        self.privateKey = key
        self.pkcs8PEM = pkcs8PEM
    }
}

extension KeyType {
    /// The key type of a certificate public key, or nil if it is not one this module issues.
    public init?(publicKey: Certificate.PublicKey) {
        if let rsa = _RSA.Signing.PublicKey(publicKey) {
            switch rsa.keySizeInBits {
            case 2048: self = .rsa2048
            case 3072: self = .rsa3072
            case 4096: self = .rsa4096
            default: return nil
            }
        } else if P256.Signing.PublicKey(publicKey) != nil {
            self = .p256
        } else {
            return nil
        }
    }
}
