import Foundation
internal import CXMLSec
internal import CXMLSecShim

/// Verifies enveloped signatures against configured trust anchors, refusing anything outside the profile.
public final class SignatureVerifier: @unchecked Sendable {
    // Made once and only read afterwards: OpenSSL's X509_STORE is safe for concurrent verifications.
    private let trustStore: OpaquePointer
    // Verification keys made from the certificates signers put in KeyInfo, kept per set of certificates
    // after they verified a trusted signature (a partner signs every receipt with the same one).
    // Whether a certificate is trusted is still decided afresh by every verification; the pool only
    // saves reading it.
    private let keys = XMLSecKeyPool()

    /// Creates a verifier that trusts the certificates in a PEM bundle (CA certificates or pinned leaves).
    public init(trustAnchorsPEM: Data) throws {
        try XMLLibrary.ensureReady()
        let store = trustAnchorsPEM.withUnsafeBytes { raw in
            kp_trust_store_create(raw.bindMemory(to: UInt8.self).baseAddress, Int32(raw.count))
        }
        guard let store else { throw SignatureFailure.trustAnchorsUnusable }
        trustStore = store
    }

    deinit {
        kp_trust_store_free(trustStore)
    }

    /// Creates a verifier from a PEM file of trusted certificates.
    public convenience init(trustAnchorsFile: URL) throws {
        let data: Data
        do { data = try Data(contentsOf: trustAnchorsFile) } catch { throw SigningError.unreadable(path: trustAnchorsFile.path) }
        try self.init(trustAnchorsPEM: data)
    }

    /// Verifies the document's one signature at `time` (default now) and names the signer.
    public func verify(_ document: XMLDocument, at time: Date? = nil) throws(SignatureFailure) -> SignerIdentity {
        let signature = try SignatureProfile.check(document: document)
        let certificates = signature.certificates
        let seconds = time.map { Int(max(1, $0.timeIntervalSince1970)) } ?? 0
        let verified = keys.withKey(for: certificates, make: { Self.makeKey(certificates) }, keep: { $0.ok == 1 }) { key in
            kp_verify_signature(signature.node, key, trustStore, seconds)
        }
        // Certificates that are not X.509, or of which no single one is the signer's, give no key.
        guard var result = verified else { throw .untrustedCertificate }
        defer { kp_free(result.cert_der) }
        guard result.ok == 1, let der = result.cert_der else {
            throw Self.failure(reason: result.xmlsec_reason)
        }
        guard result.key_usage_ok == 1 else { throw .keyUsage }
        guard result.tls_only == 0 else { throw .notASigningCertificate }
        let certificate = Data(bytes: der, count: Int(result.cert_der_len))
        result.cert_der = nil
        kp_free(der)
        let subject = withUnsafeBytes(of: result.subject) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let serial = withUnsafeBytes(of: result.serial) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        return SignerIdentity(certificateDER: certificate, subject: subject, serialNumber: serial)
    }

    /// Reads the bytes safely and verifies them.
    public func verify(_ bytes: Data, reader: SafeXMLReader = SafeXMLReader(), at time: Date? = nil) throws -> SignerIdentity {
        let document = try reader.read(bytes)
        return try verify(document, at: time)
    }

    private static func makeKey(_ certificates: [[UInt8]]) -> xmlSecKeyPtr? {
        var buffers = certificates.map { certificate -> UnsafeMutablePointer<UInt8> in
            let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: max(1, certificate.count))
            buffer.initialize(from: certificate, count: certificate.count)
            return buffer
        }
        defer { buffers.forEach { $0.deallocate() } }
        var lengths = certificates.map { Int32($0.count) }
        return buffers.withUnsafeMutableBufferPointer { pointers in
            pointers.withMemoryRebound(to: UnsafePointer<UInt8>?.self) { ders in
                kp_verification_key_create(ders.baseAddress, &lengths, Int32(certificates.count))
            }
        }
    }

    private static func failure(reason: Int32) -> SignatureFailure {
        switch reason {
        case XMLSEC_ERRORS_R_CERT_HAS_EXPIRED, XMLSEC_ERRORS_R_CERT_NOT_YET_VALID:
            return .certificateNotValidNow
        case XMLSEC_ERRORS_R_CERT_VERIFY_FAILED, XMLSEC_ERRORS_R_CERT_ISSUER_FAILED:
            return .untrustedCertificate
        default:
            // Including KEY_NOT_FOUND: the certificate's key is not of the signature's algorithm.
            return .invalid
        }
    }
}

/// Who signed a verified document.
public struct SignerIdentity: Sendable, Hashable {
    /// The signing certificate (DER).
    public let certificateDER: Data
    /// The certificate subject, RFC 2253.
    public let subject: String
    /// The organisation's OIN from the subject serialNumber, when it is 20 digits.
    public let oin: String?

    /// Reads subject and OIN from a DER certificate.
    public init(certificateDER: Data) {
        var subjectBuffer = [CChar](repeating: 0, count: 1024)
        var serialBuffer = [CChar](repeating: 0, count: 128)
        _ = certificateDER.withUnsafeBytes { raw in
            kp_cert_subject(raw.bindMemory(to: UInt8.self).baseAddress, Int32(raw.count),
                            &subjectBuffer, Int32(subjectBuffer.count), &serialBuffer, Int32(serialBuffer.count))
        }
        let subject = String(decoding: subjectBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let serial = String(decoding: serialBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        self.init(certificateDER: certificateDER, subject: subject, serialNumber: serial)
    }

    /// An identity from fields already read from the certificate.
    init(certificateDER: Data, subject: String, serialNumber serial: String) {
        self.certificateDER = certificateDER
        self.subject = subject
        oin = serial.count == 20 && serial.allSatisfy(\.isASCII) && serial.allSatisfy(\.isNumber) ? serial : nil
    }
}
