import Foundation

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
}
