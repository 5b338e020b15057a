import Foundation
import X509

/// Checks that a private key file belongs to a certificate file, so a mismatched pair is refused at start
/// instead of producing signatures or handshakes that every partner rejects.
public enum KeyCertificatePair {
    /// Whether the key in `keyFile` is the private half of the (first) certificate in `certificateFile`.
    public static func matches(keyFile: String, certificateFile: String) throws -> Bool {
        let certificate = try CertificateInfo.load(file: certificateFile).certificate
        let bytes = try SecureFile.read(keyFile)
        let key: Certificate.PrivateKey
        do {
            key = try Certificate.PrivateKey(pemEncoded: String(decoding: bytes, as: UTF8.self))
        } catch {
            throw PKIError.invalidPrivateKey(source: keyFile, reason: PEMFileDiagnosis.privateKeyProblem(in: bytes))
        }
        return key.publicKey == certificate.publicKey
    }
}
