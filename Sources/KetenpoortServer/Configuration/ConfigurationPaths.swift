import Foundation

/// Resolves the file paths of the partner and witness configurations the same way as the gateway's:
/// relative to the directory of the configuration file, so a file works from any working directory.
enum ConfigurationPaths {
    /// A function that makes a path absolute against the directory holding `file`.
    static func resolver(forFileAt file: String) -> (String) -> String {
        let base = URL(fileURLWithPath: file).standardizedFileURL.deletingLastPathComponent()
        return { path in
            path.hasPrefix("/") ? path : base.appendingPathComponent(path).standardizedFileURL.path
        }
    }
}

extension PartnerEndpointConfiguration {
    /// The same configuration with every file and directory path made absolute against the file's directory.
    func resolvingPaths(againstFileAt file: String) -> PartnerEndpointConfiguration {
        let resolve = ConfigurationPaths.resolver(forFileAt: file)
        var copy = self
        copy.tls = tls.resolved(with: resolve)
        copy.receiptSigning = KeyPairFiles(certificate: resolve(receiptSigning.certificate), privateKey: resolve(receiptSigning.privateKey))
        copy.gateway.trustedCAs = gateway.trustedCAs.map(resolve)
        copy.inbox = resolve(inbox)
        copy.schemaDirectory = schemaDirectory.map(resolve)
        copy.routingTable = routingTable.map(resolve)
        copy.crlFiles = crlFiles?.map(resolve)
        return copy
    }
}

extension WitnessConfiguration {
    /// The same configuration with every file and directory path made absolute against the file's directory.
    func resolvingPaths(againstFileAt file: String) -> WitnessConfiguration {
        let resolve = ConfigurationPaths.resolver(forFileAt: file)
        var copy = self
        copy.tls = tls.resolved(with: resolve)
        copy.cosigning.certificate = resolve(cosigning.certificate)
        copy.cosigning.privateKey = resolve(cosigning.privateKey)
        copy.stateDirectory = resolve(stateDirectory)
        for index in copy.gateways.indices {
            copy.gateways[index].signingCertificate = resolve(copy.gateways[index].signingCertificate)
        }
        return copy
    }
}
