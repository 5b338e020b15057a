import Foundation
import KetenpoortCore
import KetenpoortPKI
import KetenpoortServer

/// The gateway configuration used by `serve --dev`.
public enum DevConfiguration {
    /// The file name of the configuration `serve --dev` writes into its directory.
    public static let fileName = "gateway.yaml"

    /// Writes `configuration` to `gateway.yaml` in `root` (JSON, which is YAML), so operator commands can use
    /// `--config`; returns the file's path.
    public static func write(_ configuration: GatewayConfiguration, in root: URL) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let header = "# Written by `ketenpoort serve --dev` for this run only (development PKI, ephemeral state).\n"
        let file = root.appendingPathComponent(fileName)
        try (Data(header.utf8) + encoder.encode(configuration) + Data("\n".utf8)).write(to: file, options: .atomic)
        return file.path
    }

    /// The configuration for the development PKI in `root`, with the given intake port and partners.
    public static func make(pki: DevelopmentPKI, root: URL, intakePort: Int, partners: [GatewayConfiguration.Partner]) throws -> GatewayConfiguration {
        guard let gateway = pki.manifest.party(named: "gateway") else { throw DevModeError.missingParty("gateway") }
        let ca = pki.path(DevelopmentPKI.caCertificateFile)
        let tls = TLSFiles(certificate: pki.path(gateway.tlsCertificate), privateKey: pki.path(gateway.tlsKey), trustedCAs: [ca])
        let police = pki.manifest.parties.filter { $0.role == .police }
        return GatewayConfiguration(
            gateway: .init(oin: gateway.oin, unit: "Ketenpoort (development)"),
            stateDirectory: root.appendingPathComponent("state").path,
            schemaDirectory: nil,
            intake: .init(host: "127.0.0.1", port: intakePort, tls: tls, maxMessageBytes: nil),
            admin: .init(host: "127.0.0.1", port: 0),
            signing: .init(certificate: pki.path(gateway.signingCertificate), privateKey: pki.path(gateway.signingKey)),
            courier: .init(tls: tls, receiptTrustedCAs: [ca], connectTimeoutSeconds: 5, requestTimeoutSeconds: 30),
            routing: .init(municipalities: ResourceLocation.exampleRoutingTable().path),
            partners: partners,
            senders: police.map { .init(oin: $0.oin, name: $0.organisation, kinds: ["Zorgmelding", "Slachtofferverwijzing"]) },
            retry: .init(initialDelaySeconds: 2, maxDelaySeconds: 60, maxAgeHours: 24, jitter: 0.2),
            retentionDays: nil,
            checkpointIntervalSeconds: 60)
    }
}
