import Foundation

/// The `signing:` section: the PEM certificate and its private key, either a PEM file or a key in a PKCS#11 token.
public struct SigningKeySettings: Codable, Sendable {
    /// Certificate file (PEM); it goes into every signature's KeyInfo.
    public var certificate: String
    /// Private key file (PEM, mode 0600); absent when the key is in a token (`pkcs11`).
    public var privateKey: String?
    /// The key in a PKCS#11 token instead of a file: module, token, key, pinFile.
    public var pkcs11: Pkcs11Settings?

    /// Creates the signing settings; name exactly one of `privateKey` and `pkcs11`.
    public init(certificate: String, privateKey: String?, pkcs11: Pkcs11Settings? = nil) {
        self.certificate = certificate
        self.privateKey = privateKey
        self.pkcs11 = pkcs11
    }
}
