import Foundation
import KetenpoortStore
import KetenpoortXML

/// The gateway's message signer and audit checkpoint signer, made from one key: a PEM file or a key in a PKCS#11 token.
public struct SigningKeys: Sendable {
    /// Signs every forwarded message.
    public let messageSigner: XMLSigner
    /// Signs the audit checkpoints (signed tree heads).
    public let checkpointSigner: any CheckpointSigner

    /// Loads the key named by `signing`; throws one line naming the setting and the problem
    /// (token missing, PIN wrong or locked, key absent, key not the certificate's).
    public init(_ signing: SigningKeySettings) throws {
        if let token = signing.pkcs11 {
            let certificatePEM: Data
            do { certificatePEM = try Data(contentsOf: URL(fileURLWithPath: signing.certificate)) } catch {
                throw SigningKeyError(key: "signing.certificate", problem: "cannot read \(signing.certificate)")
            }
            let key: Pkcs11PrivateKey
            do {
                key = try Pkcs11PrivateKey(try token.reference())
                try key.requireMatch(certificatePEM: certificatePEM)
            } catch {
                throw SigningKeyError(key: Self.settingKey(for: error), problem: error.description)
            }
            do {
                messageSigner = try XMLSigner(tokenKey: key, certificatePEM: certificatePEM)
            } catch let error as Pkcs11Error {
                throw SigningKeyError(key: Self.settingKey(for: error), problem: error.description)
            } catch {
                throw SigningKeyError(key: "signing.pkcs11", problem: "\(error)")
            }
            checkpointSigner = Pkcs11CheckpointSigner(key: key)
        } else if let privateKey = signing.privateKey {
            messageSigner = try XMLSigner(keyFile: URL(fileURLWithPath: privateKey),
                                          certificateFile: URL(fileURLWithPath: signing.certificate))
            checkpointSigner = try SoftwareCheckpointSigner(pemFile: privateKey)
        } else {
            throw SigningKeyError(key: "signing", problem: "name either privateKey (a PEM file) or pkcs11 (a key in a token)")
        }
    }

    /// The configuration key an operator must look at for a token problem.
    static func settingKey(for error: Pkcs11Error) -> String {
        switch error {
        case .moduleUnloadable, .engineUnavailable, .moduleFailed: return "signing.pkcs11.module"
        case .tokenMissing: return "signing.pkcs11.token"
        case .pinIncorrect, .pinLocked, .pinFileUnreadable, .pinFileEmpty: return "signing.pkcs11.pinFile"
        case .keyMissing, .keyUnloadable, .unsupportedKey, .ecdsaTokenKeyCannotSignMessages, .signingFailed: return "signing.pkcs11.key"
        case .keyDoesNotMatchCertificate, .certificateUnreadable: return "signing.certificate"
        }
    }
}

/// The signing key cannot be used: the configuration key and the problem, as one line.
public struct SigningKeyError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The dotted configuration key, e.g. `signing.pkcs11.token`.
    public let key: String
    /// What is wrong.
    public let problem: String

    /// `key: problem`.
    public var description: String { "\(key): \(problem)" }
}
