import Foundation
internal import CXMLSec
internal import CXMLSecShim

/// Where a private key lives in a PKCS#11 token: the module, the token's label, the key's label and the PIN.
public struct Pkcs11KeyReference: Sendable, Equatable {
    /// The PKCS#11 module (shared library), e.g. `/usr/lib/softhsm/libsofthsm2.so`.
    public var modulePath: String
    /// The token's label.
    public var tokenLabel: String
    /// The private key's label (CKA_LABEL).
    public var keyLabel: String
    /// The user PIN.
    public var pin: String

    /// Creates a reference from its parts.
    public init(modulePath: String, tokenLabel: String, keyLabel: String, pin: String) {
        self.modulePath = modulePath
        self.tokenLabel = tokenLabel
        self.keyLabel = keyLabel
        self.pin = pin
    }

    /// Creates a reference whose PIN is the first line of `pinFile`.
    public init(modulePath: String, tokenLabel: String, keyLabel: String, pinFile: String) throws(Pkcs11Error) {
        guard let data = FileManager.default.contents(atPath: pinFile) else { throw .pinFileUnreadable(path: pinFile) }
        let pin = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        guard !pin.isEmpty else { throw .pinFileEmpty(path: pinFile) }
        self.init(modulePath: modulePath, tokenLabel: tokenLabel, keyLabel: keyLabel, pin: pin)
    }
}

/// A private key inside a PKCS#11 token, used through OpenSSL's pkcs11 engine: it signs, it never leaves the token.
public final class Pkcs11PrivateKey: @unchecked Sendable {
    // The EVP_PKEY is only read after init; libp11 serialises the token sessions behind it.
    let pointer: OpaquePointer
    /// The key type: RSA (2048 bits or more) or ECDSA P-256.
    public let kind: Kind
    /// The public key as SubjectPublicKeyInfo DER.
    public let publicKeyDER: Data
    /// The token's label, for messages.
    public let tokenLabel: String

    /// The key types a token key may have.
    public enum Kind: Sendable {
        /// RSA, 2048 bits or more.
        case rsa
        /// ECDSA on P-256.
        case ecdsaP256
    }

    /// Opens the token, logs in and loads the key; throws `Pkcs11Error` naming what is missing or wrong.
    public init(_ reference: Pkcs11KeyReference) throws(Pkcs11Error) {
        guard FileManager.default.isReadableFile(atPath: reference.modulePath) else {
            throw .moduleUnloadable(path: reference.modulePath)
        }
        do { try XMLLibrary.ensureReady() } catch { throw .keyUnloadable(token: reference.tokenLabel, key: reference.keyLabel) }
        var status = KP_P11_OK
        guard let loaded = kp_p11_load_key(reference.modulePath, reference.tokenLabel, reference.keyLabel, reference.pin, &status) else {
            throw Pkcs11Error(status: status, reference: reference)
        }
        switch kp_p11_key_kind(loaded) {
        case 1: kind = .rsa
        case 2: kind = .ecdsaP256
        default:
            kp_p11_key_free(loaded)
            throw .unsupportedKey(token: reference.tokenLabel, key: reference.keyLabel)
        }
        var der: UnsafeMutablePointer<UInt8>?
        let length = kp_p11_public_key_der(loaded, &der)
        guard length > 0, let der else {
            kp_p11_key_free(loaded)
            throw .keyUnloadable(token: reference.tokenLabel, key: reference.keyLabel)
        }
        publicKeyDER = Data(bytes: der, count: Int(length))
        kp_p11_free(der)
        pointer = loaded
        tokenLabel = reference.tokenLabel
    }

    deinit {
        kp_p11_key_free(pointer)
    }

    /// Whether the first certificate in `certificatePEM` carries this key's public key; throws when no certificate can be read.
    public func matches(certificatePEM: Data) throws(Pkcs11Error) -> Bool {
        try Self.publicKeyDER(ofCertificatePEM: certificatePEM) == publicKeyDER
    }

    /// Throws `.keyDoesNotMatchCertificate` unless the first certificate in `certificatePEM` carries this key's public key.
    public func requireMatch(certificatePEM: Data) throws(Pkcs11Error) {
        guard try matches(certificatePEM: certificatePEM) else { throw .keyDoesNotMatchCertificate(token: tokenLabel) }
    }

    /// Signs the SHA-256 digest of `data`: RSA PKCS#1 v1.5, or ECDSA with a DER-encoded signature.
    public func signSHA256(_ data: Data) throws(Pkcs11Error) -> Data {
        var signature: UnsafeMutablePointer<UInt8>?
        let length = data.withUnsafeBytes { bytes in
            kp_p11_sign_sha256(pointer, bytes.bindMemory(to: UInt8.self).baseAddress, bytes.count, &signature)
        }
        guard length > 0, let signature else { throw .signingFailed(token: tokenLabel) }
        defer { kp_p11_free(signature) }
        return Data(bytes: signature, count: Int(length))
    }

    /// The SubjectPublicKeyInfo DER of the first certificate in a PEM file's bytes.
    static func publicKeyDER(ofCertificatePEM pem: Data) throws(Pkcs11Error) -> Data {
        var der: UnsafeMutablePointer<UInt8>?
        let length = pem.withUnsafeBytes { bytes in
            kp_p11_certificate_public_key_der(bytes.bindMemory(to: UInt8.self).baseAddress, Int32(bytes.count), &der)
        }
        guard length > 0, let der else { throw .certificateUnreadable }
        defer { kp_p11_free(der) }
        return Data(bytes: der, count: Int(length))
    }
}

/// A key in a PKCS#11 token cannot be used; each case says what the operator must fix, in one line.
public enum Pkcs11Error: Error, Sendable, Equatable, CustomStringConvertible {
    /// The module file is missing or is not a PKCS#11 module.
    case moduleUnloadable(path: String)
    /// No token with this label is present.
    case tokenMissing(token: String)
    /// The PIN does not open the token.
    case pinIncorrect(token: String)
    /// The token's user PIN is locked.
    case pinLocked(token: String)
    /// The token holds no private key with this label.
    case keyMissing(token: String, key: String)
    /// OpenSSL's pkcs11 engine is not installed.
    case engineUnavailable
    /// The engine could not load the key.
    case keyUnloadable(token: String, key: String)
    /// The key is neither RSA (2048+ bits) nor ECDSA P-256.
    case unsupportedKey(token: String, key: String)
    /// The key is ECDSA: it signs checkpoints, but xmlsec1 1.2.37 signs messages only with an RSA key in a token.
    case ecdsaTokenKeyCannotSignMessages(token: String)
    /// The key in the token is not the one the certificate was issued for.
    case keyDoesNotMatchCertificate(token: String)
    /// The certificate that should carry the key's public key cannot be read.
    case certificateUnreadable
    /// The PIN file cannot be read.
    case pinFileUnreadable(path: String)
    /// The PIN file holds no PIN.
    case pinFileEmpty(path: String)
    /// The token failed to sign.
    case signingFailed(token: String)
    /// The module failed in another way.
    case moduleFailed(path: String)

    init(status: kp_p11_status, reference: Pkcs11KeyReference) {
        let (token, key) = (reference.tokenLabel, reference.keyLabel)
        switch status {
        case KP_P11_MODULE_UNLOADABLE: self = .moduleUnloadable(path: reference.modulePath)
        case KP_P11_TOKEN_MISSING: self = .tokenMissing(token: token)
        case KP_P11_PIN_INCORRECT: self = .pinIncorrect(token: token)
        case KP_P11_PIN_LOCKED: self = .pinLocked(token: token)
        case KP_P11_KEY_MISSING: self = .keyMissing(token: token, key: key)
        case KP_P11_ENGINE_UNAVAILABLE: self = .engineUnavailable
        case KP_P11_KEY_UNLOADABLE: self = .keyUnloadable(token: token, key: key)
        default: self = .moduleFailed(path: reference.modulePath)
        }
    }

    /// Explanation for operators, one line.
    public var description: String {
        switch self {
        case .moduleUnloadable(let path): return "the PKCS#11 module \(path) cannot be loaded (missing, or not a PKCS#11 module)"
        case .tokenMissing(let token): return "no PKCS#11 token labelled '\(token)' is present"
        case .pinIncorrect(let token): return "the PIN does not open token '\(token)' (wrong PIN)"
        case .pinLocked(let token): return "token '\(token)' is locked (its user PIN is blocked; the security officer must unlock it)"
        case .keyMissing(let token, let key): return "token '\(token)' holds no private key labelled '\(key)'"
        case .engineUnavailable: return "OpenSSL's pkcs11 engine cannot be loaded (install libengine-pkcs11-openssl)"
        case .keyUnloadable(let token, let key): return "the key '\(key)' in token '\(token)' cannot be loaded through OpenSSL's pkcs11 engine"
        case .unsupportedKey(let token, let key): return "the key '\(key)' in token '\(token)' must be RSA (2048 bits or more) or ECDSA P-256"
        case .ecdsaTokenKeyCannotSignMessages(let token):
            return "the key in token '\(token)' is ECDSA; xmlsec1 1.2.37 signs messages only with an RSA key (2048 bits or more) in a token"
        case .keyDoesNotMatchCertificate(let token): return "the key in token '\(token)' does not belong to the signing certificate (their public keys differ)"
        case .certificateUnreadable: return "the signing certificate cannot be read (PEM expected)"
        case .pinFileUnreadable(let path): return "cannot read the PIN file \(path)"
        case .pinFileEmpty(let path): return "the PIN file \(path) holds no PIN"
        case .signingFailed(let token): return "token '\(token)' failed to sign"
        case .moduleFailed(let path): return "the PKCS#11 module \(path) failed"
        }
    }
}
