import Foundation
import KetenpoortPKI

extension ConfigurationCheck {
    /// Problems of a signing key kept in a PKCS#11 token: a missing token, a wrong or locked PIN, an absent key,
    /// or a key that is not the signing certificate's. Opens the token and logs in once.
    static func tokenSigningProblems(_ signing: SigningKeySettings) -> [ConfigurationProblem] {
        if signing.privateKey != nil && signing.pkcs11 != nil {
            return [ConfigurationProblem(key: "signing", problem: "name privateKey (a PEM file) or pkcs11 (a key in a token), not both")]
        }
        guard signing.pkcs11 != nil else {
            return [ConfigurationProblem(key: "signing", problem: "name either privateKey (a PEM file) or pkcs11 (a key in a token)")]
        }
        do {
            _ = try SigningKeys(signing)
            return []
        } catch let error as SigningKeyError {
            return [ConfigurationProblem(key: error.key, problem: error.problem)]
        } catch {
            return [ConfigurationProblem(key: "signing.pkcs11", problem: "\(error)")]
        }
    }

    /// A PIN file that every user of the machine may read.
    static func tokenSigningWarnings(_ signing: SigningKeySettings) -> [ConfigurationProblem] {
        guard let pinFile = signing.pkcs11?.pinFile, let mode = try? SecureFile.mode(of: pinFile), mode & 0o007 != 0 else { return [] }
        return [ConfigurationProblem(key: "signing.pkcs11.pinFile",
                                     problem: "\(pinFile) is readable by every user (mode \(String(mode, radix: 8))); use 0600 or 0640")]
    }
}
