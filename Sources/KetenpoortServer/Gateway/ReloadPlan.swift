import Crypto
import Foundation

/// Compares a running configuration with a new one: which keys need a restart, and which reloadable areas changed
/// (including certificate, CRL and routing files that changed on disk under the same name).
enum ReloadPlan {
    /// The keys whose change a reload cannot apply (listeners, state, store, signing key, timing, retention, …).
    static func restartOnlyChanges(from old: GatewayConfiguration, to new: GatewayConfiguration) -> [String] {
        let sections: [(String, (GatewayConfiguration) -> Data)] = [
            ("gateway", { encoded($0.gateway) }),
            ("stateDirectory", { encoded($0.stateDirectory) }),
            ("store", { encoded($0.store) }),
            ("schemaDirectory", { encoded($0.schemaDirectory) }),
            ("intake.host", { encoded($0.intake.host) }),
            ("intake.port", { encoded($0.intake.port) }),
            ("intake.maxMessageBytes", { encoded($0.intake.maxMessageBytes) }),
            ("intake.limits", { encoded($0.intake.limits) }),
            ("admin", { encoded($0.admin) }),
            ("signing", { encoded($0.signing) }),
            ("courier.connectTimeoutSeconds", { encoded($0.courier.connectTimeoutSeconds) }),
            ("courier.requestTimeoutSeconds", { encoded($0.courier.requestTimeoutSeconds) }),
            ("courier.leaseSeconds", { encoded($0.courier.leaseSeconds) }),
            ("retry", { encoded($0.retry) }),
            ("retentionDays", { encoded($0.retentionDays) }),
            ("checkpointIntervalSeconds", { encoded($0.checkpointIntervalSeconds) }),
            ("audit", { encoded($0.audit) }),
            ("witnesses", { encoded($0.witnesses) }),
        ]
        return sections.filter { $0.1(old) != $0.1(new) }.map(\.0)
    }

    /// A digest per reloadable area of `configuration`: its keys and the contents of the files they name.
    static func fingerprint(_ configuration: GatewayConfiguration) -> [String: Data] {
        let revocationFiles = (configuration.revocation?.crlFiles ?? []) + configuration.revocationAuthorities
        return [
            "intake-tls": digest(encoded(configuration.intake.tls), files: tlsFiles(configuration.intake.tls)),
            "courier-tls": digest(encoded(configuration.courier.tls), files: tlsFiles(configuration.courier.tls)),
            "receipt-trust": digest(encoded(configuration.courier.receiptTrustedCAs), files: configuration.courier.receiptTrustedCAs),
            "partners": digest(encoded(configuration.partners), files: configuration.partners.flatMap(\.signingCertificates)),
            "senders": digest(encoded(configuration.senders), files: []),
            "routing": digest(encoded(configuration.routing), files: [configuration.routing.municipalities]),
            "revocation": digest(encoded(configuration.revocation), files: revocationFiles),
        ]
    }

    /// The areas whose digest differs, sorted.
    static func changes(from old: [String: Data], to new: [String: Data]) -> [String] {
        Set(old.keys).union(new.keys).filter { old[$0] != new[$0] }.sorted()
    }

    private static func tlsFiles(_ files: TLSFiles) -> [String] {
        [files.certificate, files.privateKey] + files.trustedCAs
    }

    private static func digest(_ keys: Data, files: [String]) -> Data {
        var hash = SHA256()
        hash.update(data: keys)
        for file in files {
            hash.update(data: Data(file.utf8))
            hash.update(data: FileManager.default.contents(atPath: file).map { Data(SHA256.hash(data: $0)) } ?? Data("missing".utf8))
        }
        return Data(hash.finalize())
    }

    /// A stable encoding of a value (wrapped in an array, so that an absent optional encodes too).
    private static func encoded<Value: Encodable>(_ value: Value) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return (try? encoder.encode([value])) ?? Data()
    }
}
