import Foundation
import X509

/// Checks that a private key file belongs to a certificate file, so a mismatched pair is refused at start
/// instead of producing signatures or handshakes that every partner rejects.
public enum KeyCertificatePair {
    /// Whether the key in `keyFile` is the private half of the (first) certificate in `certificateFile`.
    public static func matches(keyFile: String, certificateFile: String) throws -> Bool {
        let certificate = try CertificateInfo.load(file: certificateFile).certificate
        let text = String(decoding: try SecureFile.read(keyFile), as: UTF8.self)
        let key: Certificate.PrivateKey
        do {
            key = try Certificate.PrivateKey(pemEncoded: text)
        } catch {
            throw PKIError.invalidPrivateKey(source: keyFile, reason: String(describing: error))
        }
        return key.publicKey == certificate.publicKey
    }
}
