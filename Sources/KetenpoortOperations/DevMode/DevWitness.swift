import Foundation
import KetenpoortPKI
import KetenpoortServer

/// The witness `serve --dev` runs in-process: the development PKI's `om` party stands in for an independent organisation.
public enum DevWitness {
    /// The party whose TLS and signing keys the development witness uses.
    public static let party = "om"
    /// The witness's name in cosignatures and metrics.
    public static let name = "dev-witness"

    /// A witness on an ephemeral loopback port that accepts the development gateway's heads.
    public static func configuration(pki: DevelopmentPKI, root: URL) throws -> WitnessConfiguration {
        guard let witness = pki.manifest.party(named: party) else { throw DevModeError.missingParty(party) }
        guard let gateway = pki.manifest.party(named: "gateway") else { throw DevModeError.missingParty("gateway") }
        let ca = pki.path(DevelopmentPKI.caCertificateFile)
        return WitnessConfiguration(
            name: name, listen: .init(host: "127.0.0.1", port: 0),
            tls: TLSFiles(certificate: pki.path(witness.tlsCertificate), privateKey: pki.path(witness.tlsKey), trustedCAs: [ca]),
            cosigning: .init(certificate: pki.path(witness.signingCertificate), privateKey: pki.path(witness.signingKey)),
            stateDirectory: root.appendingPathComponent("witness").path,
            gateways: [.init(name: "ketenpoort-dev", signingCertificate: pki.path(gateway.signingCertificate))])
    }

    /// The gateway's `witnesses` section for the development witness on `port`.
    public static func policy(pki: DevelopmentPKI, port: Int) throws -> WitnessPolicy {
        guard let witness = pki.manifest.party(named: party) else { throw DevModeError.missingParty(party) }
        return WitnessPolicy(required: 1, list: [.init(name: name, url: "https://localhost:\(port)",
                                                       cosignerCertificate: pki.path(witness.signingCertificate))],
                             maxAgeSeconds: 300, pushIntervalSeconds: 2)
    }

    /// The `audit verify --witness` command line for the development gateway.
    public static func verifyCommand(binary: String, pki: DevelopmentPKI, root: URL, port: Int) -> String {
        let gateway = pki.manifest.party(named: "gateway")
        let signing = gateway.map { pki.path($0.signingCertificate) } ?? "?"
        let cert = gateway.map { pki.path($0.tlsCertificate) } ?? "?"
        let key = gateway.map { pki.path($0.tlsKey) } ?? "?"
        return """
            \(binary) audit verify --state-dir \(root.appendingPathComponent("state").path) --cert \(signing) \\
                      --witness https://localhost:\(port) --tls-cert \(cert) --tls-key \(key) --tls-ca \(pki.path(DevelopmentPKI.caCertificateFile))
            """
    }
}
