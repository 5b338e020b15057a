import Foundation
import Hummingbird
import KetenpoortCore
import KetenpoortXML
import Logging
import NIOCore
import ServiceLifecycle

/// The reference partner endpoint: receives messages from the gateway over mutual TLS and answers with signed receipts.
public final class PartnerEndpoint: Service, Sendable {
    /// The path the gateway posts to.
    public static let path = "/v1/berichten"

    /// The configuration in force.
    public let configuration: PartnerEndpointConfiguration
    /// The port actually bound, once `run()` listens (wait with `boundPort.wait()`).
    public let boundPort = BoundPort()
    private let processor: PartnerMessageProcessor
    private let logger: Logger
    private let revocation: RevocationChecker?

    /// Loads keys, trust anchors, schemas and the routing table; fails with an error naming the file.
    public init(configuration: PartnerEndpointConfiguration, logger: Logger) throws {
        try configuration.check()
        self.configuration = configuration
        self.logger = logger
        let signer = try XMLSigner(keyFile: URL(fileURLWithPath: configuration.receiptSigning.privateKey),
                                   certificateFile: URL(fileURLWithPath: configuration.receiptSigning.certificate))
        var trust = Data()
        for file in configuration.gateway.trustedCAs {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw PartnerConfigurationError(file: "configuration", key: "gateway.trustedCAs",
                                                problem: "cannot read '\(file)'")
            }
            trust.append(data)
            trust.append(0x0A)
        }
        let schemaDirectory = configuration.schemaDirectory.map { URL(fileURLWithPath: $0) }
            ?? ResourceLocation.schemaDirectory()
        let routingFile = configuration.routingTable.map { URL(fileURLWithPath: $0) }
            ?? ResourceLocation.exampleRoutingTable()
        let registry = try MessageKindRegistry(schemaDirectory: schemaDirectory)
        let routing = try MunicipalityRegions(contentsOf: routingFile)
        let revocation = try configuration.crlFiles.map {
            try RevocationChecker(files: $0, trustedCAFiles: configuration.tls.trustedCAs + configuration.gateway.trustedCAs, logger: logger)
        }
        self.revocation = revocation
        self.processor = PartnerMessageProcessor(
            partner: configuration.partner,
            signatures: try SignatureVerifier(trustAnchorsPEM: trust),
            acceptedSignerOINs: Set(configuration.gateway.signerOINs),
            validator: MessageValidator(registry: registry, routingTable: routing,
                                        limits: ReadLimits(maxBytes: configuration.effectiveMaxMessageBytes)),
            receipts: ReceiptBuilder(partnerOIN: configuration.oin, organisationalUnit: configuration.organisationalUnit,
                                     signer: signer),
            inbox: PartnerInbox(directory: configuration.inbox),
            behaviour: PartnerBehaviourSchedule(),
            revocation: revocation)
        // Check the TLS files and the inbox now (removing temporary files a crash left), so a bad path is reported before anything listens.
        _ = try TLSPolicy.server(configuration.tls)
        do { try AtomicFileWriter.prepareDirectory(configuration.inbox) } catch {
            throw PartnerConfigurationError(file: "configuration", key: "inbox", problem: "\(error)")
        }
    }

    /// Serves until the task is cancelled or a graceful shutdown is requested (usable in a `ServiceGroup`).
    public func run() async throws {
        let boundPort = self.boundPort
        let application = try makeMutualTLSServer(
            router: makeRouter(), host: configuration.listen.host, port: configuration.listen.port,
            tls: configuration.tls, logger: logger, serverName: "ketenpoort-partner",
            limits: configuration.limits ?? .standard,
            observer: ConnectionObserver(listener: "partner-\(configuration.partner)", logger: logger, metrics: nil),
            onServerRunning: { port in await boundPort.resolve(port) })
        do {
            try await application.run()
        } catch {
            await boundPort.markStopped()
            throw error
        }
        await boundPort.markStopped()
    }

    /// Sets how the endpoint answers from now on (clears queued one-shot behaviours).
    public func setBehaviour(_ behaviour: PartnerBehaviour) async {
        await processor.behaviour.set(behaviour)
    }

    /// Queues behaviours for the next requests, one each, before the standing behaviour applies again.
    public func enqueueBehaviours(_ behaviours: [PartnerBehaviour]) async {
        await processor.behaviour.enqueue(behaviours)
    }

    /// How many deliveries were posted so far (including simulated failures).
    public var requestCount: Int {
        get async { await processor.behaviour.requestCount }
    }

    /// The inbox file a message with this id is (or would be) written to.
    public func inboxFile(forMessageId messageId: String) -> String {
        processor.inbox.path(of: messageId)
    }

    private func makeRouter() -> Router<PeerRequestContext> {
        let router = Router(context: PeerRequestContext.self)
        let processor = self.processor
        let revocation = self.revocation
        let limit = configuration.effectiveMaxMessageBytes
        let allowedClients = configuration.gateway.effectiveClientOINs
        router.post(RouterPath(stringLiteral: Self.path)) { request, context -> Response in
            let receivedAt = Date()
            let answer: PartnerAnswer
            // Only the configured gateway(s) may deliver; checked before a byte of the body is read.
            guard let peer = context.peer, let oin = peer.authenticatedOIN, allowedClients.contains(oin),
                  revocation?.isRevoked(certificateDER: peer.certificateDER) != true else {
                answer = PartnerAnswer(form: .status(403, "this client certificate may not deliver here"),
                                       messageId: nil, outcome: "afgewezen", reason: "client-not-allowed")
                Self.log(answer, peer: context.peer, logger: context.logger)
                return await Self.response(answer, channel: context.channel)
            }
            do {
                let body = try await request.body.collect(upTo: limit)
                answer = await processor.process(Data(body.readableBytesView), receivedAt: receivedAt)
            } catch {
                answer = PartnerAnswer(form: .status(400, "body missing or larger than \(limit) bytes"),
                                       messageId: nil, outcome: "afgewezen", reason: "body-too-large-or-unreadable")
            }
            Self.log(answer, peer: context.peer, logger: context.logger)
            return await Self.response(answer, channel: context.channel)
        }
        return router
    }

    private static func response(_ answer: PartnerAnswer, channel: any Channel) async -> Response {
        switch answer.form {
        case .receipt(let bytes):
            return Response(status: .ok, headers: [.contentType: "application/xml"],
                            body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
        case .status(let code, let text):
            return Response(status: HTTPResponse.Status(code: code), headers: [.contentType: "text/plain; charset=utf-8"],
                            body: ResponseBody(byteBuffer: ByteBuffer(string: text + "\n")))
        case .drop:
            try? await channel.close()
            return Response(status: .serviceUnavailable)
        }
    }

    /// One structured line per delivery: id, outcome, reason, peer OIN. Never payload values.
    private static func log(_ answer: PartnerAnswer, peer: PeerIdentity?, logger: Logger) {
        var metadata: Logger.Metadata = [
            "message_id": .string(answer.messageId ?? "-"),
            "outcome": .string(answer.outcome),
        ]
        if let reason = answer.reason { metadata["reason"] = .string(reason) }
        if let oin = peer?.authenticatedOIN { metadata["peer_oin"] = .string(oin) }
        logger.info("partner delivery", metadata: metadata)
    }
}
