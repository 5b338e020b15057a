import Foundation
import KetenpoortServer

/// A certificate file named in the configuration, with the role it plays.
public struct ConfiguredCertificate: Equatable {
    /// Whose and what for, e.g. `own: intake TLS` or `partner shn: receipt signing`.
    public var role: String
    /// The partner id, for partners' certificates.
    public var partner: String?
    /// The OIN the configuration expects in the subject, if any.
    public var expectedOIN: String?
    /// The (resolved) file path.
    public var path: String
}

/// Lists every certificate file a configuration names, own ones first, without duplicates of (role, path).
public enum ConfiguredCertificates {
    /// The certificate files of `configuration`.
    public static func list(_ configuration: GatewayConfiguration) -> [ConfiguredCertificate] {
        let own = configuration.gateway.oin
        var list = [
            ConfiguredCertificate(role: "own: intake TLS", expectedOIN: own, path: configuration.intake.tls.certificate),
            ConfiguredCertificate(role: "own: courier TLS", expectedOIN: own, path: configuration.courier.tls.certificate),
            ConfiguredCertificate(role: "own: signing", expectedOIN: own, path: configuration.signing.certificate),
        ]
        let anchors = configuration.intake.tls.trustedCAs.map { ("trust: intake clients CA", $0) }
            + configuration.courier.tls.trustedCAs.map { ("trust: partner servers CA", $0) }
            + configuration.courier.receiptTrustedCAs.map { ("trust: receipt signers CA", $0) }
        list += anchors.map { ConfiguredCertificate(role: $0.0, path: $0.1) }
        for partner in configuration.partners {
            list += partner.signingCertificates.map {
                ConfiguredCertificate(role: "partner \(partner.id): receipt signing", partner: partner.id,
                                      expectedOIN: partner.oin, path: $0)
            }
        }
        var seen = Set<String>()
        return list.filter { seen.insert($0.role + "\u{0}" + $0.path).inserted }
    }
}
