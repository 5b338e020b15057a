import Foundation
import KetenpoortXML

/// Where the signing key lives when it is in a PKCS#11 token (`signing.pkcs11` in the configuration).
public struct Pkcs11Settings: Codable, Sendable, Equatable {
    /// The PKCS#11 module (shared library), e.g. `/usr/lib/softhsm/libsofthsm2.so`.
    public var module: String
    /// The token's label.
    public var token: String
    /// The private key's label in the token.
    public var key: String
    /// A file (mode 0600) whose first line is the user PIN.
    public var pinFile: String

    /// Creates the settings.
    public init(module: String, token: String, key: String, pinFile: String) {
        self.module = module
        self.token = token
        self.key = key
        self.pinFile = pinFile
    }

    /// The settings with the module's and the PIN file's paths resolved.
    func resolved(with resolve: (String) -> String) -> Pkcs11Settings {
        var copy = self
        copy.module = resolve(module)
        copy.pinFile = resolve(pinFile)
        return copy
    }

    /// The key reference with the PIN read from `pinFile`.
    public func reference() throws(Pkcs11Error) -> Pkcs11KeyReference {
        try Pkcs11KeyReference(modulePath: module, tokenLabel: token, keyLabel: key, pinFile: pinFile)
    }
}
