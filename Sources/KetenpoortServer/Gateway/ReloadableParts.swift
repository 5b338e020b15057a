import Foundation
import KetenpoortCore
import KetenpoortPKI
import KetenpoortXML
import Logging
import NIOSSL

/// The parts of a gateway that a configuration reload replaces, built from one configuration: intake rules (schemas,
/// routing table, senders, revocation lists), partner routes with their receipt certificates, the courier (client
/// certificate, receipt trust anchors) and the intake server's TLS context.
struct ReloadableParts {
    let intakeRules: IntakeRules
    let routes: [PartnerRoute]
    let courier: Courier
    let intakeTLS: NIOSSLContext

    /// Reads every file the parts need; throws naming what fails. Nothing running changes: the caller swaps them in.
    /// `signer` is the running message signer (the signing key needs a restart to change).
    static func build(_ configuration: GatewayConfiguration, signer: XMLSigner, logger: Logger) throws -> ReloadableParts {
        let schemaDirectory = configuration.schemaDirectory.map { URL(fileURLWithPath: $0) } ?? ResourceLocation.schemaDirectory()
        let registry = try MessageKindRegistry(schemaDirectory: schemaDirectory)
        let table = try MunicipalityRegions(contentsOf: URL(fileURLWithPath: configuration.routing.municipalities))
        let maxBytes = configuration.intake.maxMessageBytes ?? ReadLimits.standard.maxBytes
        let validator = MessageValidator(registry: registry, routingTable: table, limits: ReadLimits(maxBytes: maxBytes))
        let senders = SenderPolicy(Dictionary(configuration.senders.map { ($0.oin, Set($0.kinds)) }, uniquingKeysWith: { $0.union($1) }))
        let pipeline = AdmissionPipeline(validator: validator, senders: senders, signer: signer,
                                         deliverablePartners: Set(configuration.partners.map(\.id)))
        let routes = try configuration.partners.map { partner in
            PartnerRoute(id: partner.id, endpoint: partner.endpoint,
                         receiptSigners: try partner.signingCertificates.flatMap { try CertificateInfo.loadBundle(file: $0).map { Data($0.derBytes) } },
                         concurrency: partner.concurrency ?? 4)
        }
        let revocation = try configuration.revocation.map {
            try RevocationChecker(files: $0.crlFiles, trustedCAFiles: configuration.revocationAuthorities,
                                  refreshSeconds: $0.refreshSeconds ?? 30, logger: logger)
        }
        let receiptAnchors = try configuration.courier.receiptTrustedCAs.map { try Data(contentsOf: URL(fileURLWithPath: $0)) }
            .reduce(Data(), +)
        let receipts = try ReceiptVerifier(trustAnchorsPEM: receiptAnchors, validator: validator)
        let intakeTLS = try ServerTLSContext.make(configuration.intake.tls)
        // Last: its HTTP client must be shut down once made, so nothing that can still fail comes after it.
        let courier = try Courier(tls: configuration.courier.tls, receipts: receipts,
                                  connectTimeout: TimeInterval(configuration.courier.connectTimeoutSeconds ?? 5),
                                  requestTimeout: TimeInterval(configuration.courier.requestTimeoutSeconds ?? 30),
                                  maxConnectionsPerHost: routes.map(\.concurrency).max() ?? 4, revocation: revocation)
        return ReloadableParts(intakeRules: IntakeRules(pipeline: pipeline, revocation: revocation), routes: routes,
                               courier: courier, intakeTLS: intakeTLS)
    }
}
