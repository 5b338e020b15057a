import Foundation
internal import CXMLSec
internal import CXMLSecShim

/// Signs documents with an enveloped XMLDSig signature (exclusive C14N, SHA-256, RSA or ECDSA P-256).
public final class XMLSigner: @unchecked Sendable {
    // The loaded key is only read after init (to duplicate it). A signature works on a duplicate
    // that no other signature uses at the same time, taken from the pool.
    private let key: xmlSecKeyPtr
    private let duplicates = XMLSecKeyPool(identityLimit: 1)
    /// The signature algorithm, chosen by the key type.
    public let algorithm: SignatureAlgorithm

    /// Loads a PEM private key (PKCS#8 or traditional) and the PEM certificate that goes into KeyInfo.
    public convenience init(privateKeyPEM: Data, certificatePEM: Data) throws {
        try XMLLibrary.ensureReady()
        let loaded = privateKeyPEM.withUnsafeBytes { keyBytes in
            certificatePEM.withUnsafeBytes { certBytes in
                kp_key_load(keyBytes.bindMemory(to: UInt8.self).baseAddress, Int32(keyBytes.count),
                            certBytes.bindMemory(to: UInt8.self).baseAddress, Int32(certBytes.count))
            }
        }
        guard let loaded else {
            _ = kp_take_xmlsec_reason()
            throw SigningError.keyNotLoaded
        }
        try self.init(adopting: loaded)
    }

    /// Signs with a key inside a PKCS#11 token; the PEM certificate goes into KeyInfo and must carry the key's public key.
    public convenience init(tokenKey: Pkcs11PrivateKey, certificatePEM: Data) throws {
        // xmlsec1 1.2.37 cannot read an engine EC key's group order, which its ECDSA signature encoding needs.
        guard tokenKey.kind == .rsa else { throw Pkcs11Error.ecdsaTokenKeyCannotSignMessages(token: tokenKey.tokenLabel) }
        try tokenKey.requireMatch(certificatePEM: certificatePEM)
        try XMLLibrary.ensureReady()
        let loaded = certificatePEM.withUnsafeBytes { certBytes in
            kp_p11_xmlsec_key(tokenKey.pointer, certBytes.bindMemory(to: UInt8.self).baseAddress, Int32(certBytes.count))
        }
        guard let loaded else {
            _ = kp_take_xmlsec_reason()
            throw SigningError.keyNotLoaded
        }
        try self.init(adopting: loaded)
    }

    /// Takes ownership of a loaded xmlsec key with its certificate; destroys it when its type cannot sign.
    private init(adopting loaded: xmlSecKeyPtr) throws {
        switch kp_key_kind(loaded) {
        case 1:
            guard xmlSecKeyDataGetSize(xmlSecKeyGetValue(loaded)) >= 2048 else {
                xmlSecKeyDestroy(loaded)
                throw SigningError.unsupportedKey
            }
            algorithm = .rsaSHA256
        case 2:
            algorithm = .ecdsaSHA256
        default:
            xmlSecKeyDestroy(loaded)
            throw SigningError.unsupportedKey
        }
        key = loaded
    }

    /// Loads the private key and certificate from PEM files.
    public convenience init(keyFile: URL, certificateFile: URL) throws {
        let keyData: Data
        let certificateData: Data
        do { keyData = try Data(contentsOf: keyFile) } catch { throw SigningError.unreadable(path: keyFile.path) }
        do { certificateData = try Data(contentsOf: certificateFile) } catch {
            throw SigningError.unreadable(path: certificateFile.path)
        }
        try self.init(privateKeyPEM: keyData, certificatePEM: certificateData)
    }

    deinit {
        xmlSecKeyDestroy(key)
    }

    /// Appends a `ds:Signature` as the last child of the root element, computes it, and checks the result
    /// against the verification profile (one signature, last child, agreed structure) without verifying it again.
    ///
    /// Throws `SigningError.notCanonicalisable` when the document itself cannot be signed (an input fault),
    /// `.signingFailed` when xmlsec1 failed otherwise, and `.profileViolation` when the signed document
    /// would not pass verification (say, it carried XMLDSig elements before).
    public func sign(_ document: XMLDocument) throws(SigningError) {
        let alg = algorithm == .ecdsaSHA256 ? KP_SIG_ECDSA_SHA256 : KP_SIG_RSA_SHA256
        let status = duplicates.withKey(for: [], make: { xmlSecKeyDuplicate(key) }) { working in
            kp_sign_enveloped(document.pointer, working, alg)
        }
        guard status == 0 else {
            _ = kp_take_xmlsec_reason()
            // The signature was removed again; if the bare document cannot be canonicalised, the input is at fault.
            if (try? document.exclusiveCanonicalForm()) == nil { throw .notCanonicalisable }
            throw .signingFailed
        }
        do {
            _ = try SignatureProfile.check(document: document)
        } catch {
            throw .profileViolation(error)
        }
    }

    /// Reads the bytes safely, signs them and returns the signed document's bytes.
    public func sign(_ bytes: Data, reader: SafeXMLReader = SafeXMLReader()) throws -> Data {
        let document = try reader.read(bytes)
        try sign(document)
        return try document.serialized()
    }
}

/// The signature algorithms Ketenpoort signs with.
public enum SignatureAlgorithm: String, Sendable {
    /// RSA PKCS#1 v1.5 with SHA-256 (`http://www.w3.org/2001/04/xmldsig-more#rsa-sha256`).
    case rsaSHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
    /// ECDSA with SHA-256 (`http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256`).
    case ecdsaSHA256 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"
}

/// Signing could not be done.
public enum SigningError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A key or certificate file cannot be read.
    case unreadable(path: String)
    /// The PEM key or certificate could not be loaded, or they do not belong together.
    case keyNotLoaded
    /// The key is neither RSA nor EC.
    case unsupportedKey
    /// xmlsec1 failed to compute the signature.
    case signingFailed
    /// The document cannot be canonicalised (exclusive C14N), so it cannot be signed: a fault of the input.
    case notCanonicalisable
    /// The signed document does not follow the signature profile that verification requires.
    case profileViolation(SignatureFailure)

    /// Explanation for operators.
    public var description: String {
        switch self {
        case .unreadable(let path): return "cannot read \(path)"
        case .keyNotLoaded: return "the signing key or its certificate could not be loaded (PEM expected)"
        case .unsupportedKey: return "the signing key must be RSA (2048 bits or more) or ECDSA P-256"
        case .signingFailed: return "xmlsec1 could not compute the signature"
        case .notCanonicalisable: return "the document cannot be canonicalised (exclusive C14N) and so cannot be signed"
        case .profileViolation(let failure): return "the signed document does not follow the signature profile: \(failure)"
        }
    }
}
