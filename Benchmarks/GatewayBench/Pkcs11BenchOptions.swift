import ArgumentParser
import Foundation
import KetenpoortServer
import KetenpoortStore
import KetenpoortXML

/// `ketenpoort-bench xml` options naming a signing key in a PKCS#11 token, directly or through a configuration's `signing.pkcs11`.
struct Pkcs11BenchOptions: ParsableArguments {
    @Option(name: .customLong("pkcs11-module"), help: "PKCS#11 module, e.g. /usr/lib/softhsm/libsofthsm2.so.")
    var module: String?

    @Option(name: .customLong("pkcs11-token"), help: "Token label.")
    var token: String?

    @Option(name: .customLong("pkcs11-key"), help: "Label of the private key in the token.")
    var key: String?

    @Option(name: .customLong("pkcs11-pin-file"), help: "File whose first line is the user PIN.")
    var pinFile: String?

    @Option(name: .customLong("pkcs11-certificate"), help: "PEM certificate of the token's key (goes into KeyInfo).")
    var certificate: String?

    @Option(name: .customLong("config"), help: "Take the token and certificate from this configuration's signing section.")
    var configFile: String?

    /// The signing settings asked for, or nil when no token is named.
    func settings() throws -> SigningKeySettings? {
        if let configFile {
            let configuration = try ConfigurationLoader.load(file: configFile)
            guard configuration.signing.pkcs11 != nil else {
                throw ValidationError("\(configFile) keeps its signing key in a file (signing.privateKey), not in a token (signing.pkcs11)")
            }
            return configuration.signing
        }
        let given = [module, token, key, pinFile, certificate]
        guard given.contains(where: { $0 != nil }) else { return nil }
        guard let module, let token, let key, let pinFile, let certificate else {
            throw ValidationError("give all of --pkcs11-module, --pkcs11-token, --pkcs11-key, --pkcs11-pin-file and --pkcs11-certificate")
        }
        return SigningKeySettings(certificate: certificate, privateKey: nil,
                                  pkcs11: Pkcs11Settings(module: module, token: token, key: key, pinFile: pinFile))
    }
}
