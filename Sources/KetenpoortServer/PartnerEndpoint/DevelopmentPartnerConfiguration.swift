import Foundation
import KetenpoortPKI

extension PartnerEndpointConfiguration {
    /// A reference endpoint for one party of a development PKI, trusting the PKI's gateway as signer.
    public static func development(pki: DevelopmentPKI, party: DevelopmentPKIManifest.Party, host: String, port: Int,
                                   inbox: String) throws -> PartnerEndpointConfiguration {
        guard let gateway = pki.manifest.party(named: "gateway") else {
            throw PKIError.invalidSpecification("the development PKI in \(pki.directory) has no gateway party")
        }
        let ca = pki.path(DevelopmentPKI.caCertificateFile)
        return PartnerEndpointConfiguration(
            partner: party.name, oin: party.oin, organisationalUnit: party.organisation,
            listen: .init(host: host, port: port),
            tls: TLSFiles(certificate: pki.path(party.tlsCertificate), privateKey: pki.path(party.tlsKey), trustedCAs: [ca]),
            receiptSigning: .init(certificate: pki.path(party.signingCertificate), privateKey: pki.path(party.signingKey)),
            gateway: .init(trustedCAs: [ca], signerOINs: [gateway.oin]),
            inbox: inbox)
    }
}
