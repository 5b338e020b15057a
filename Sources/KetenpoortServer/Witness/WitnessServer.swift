import Foundation
import Hummingbird
import KetenpoortStore
import Logging
import NIOCore
import ServiceLifecycle

/// The reference witness: a mutual-TLS service that accepts a gateway's signed tree heads only when consistent with
/// what it already witnessed, stores them append-only, cosigns them, and alerts on anything else.
public final class WitnessServer: Service, Sendable {
    /// The configuration in force.
    public let configuration: WitnessConfiguration
    /// The port the TLS listener is bound to, once running.
    public let boundPort = BoundPort()
    /// The port the admin listener is bound to, once running (only with `admin` configured).
    public let adminPort = BoundPort()
    /// Its metrics (`ketenpoort_witness_*`).
    public let metrics: WitnessMetrics
    /// The decision rule and its ledger.
    public let witness: TreeHeadWitness
    private let ledger: WitnessLedger
    private let logger: Logger

    /// Loads keys and certificates, opens (and checks) the ledger; throws naming the file or key that is wrong.
    public init(configuration: WitnessConfiguration, logger: Logger, clock: @escaping @Sendable () -> Date = { Date() }) throws {
        let problems = configuration.problems
        guard problems.isEmpty else { throw WitnessConfigurationError(file: "configuration", problems: problems) }
        self.configuration = configuration
        self.logger = logger
        let signer = try SoftwareCheckpointSigner(pemFile: configuration.cosigning.privateKey)
        let certified = try CertificateKeyLoading.verifier(certificateFile: configuration.cosigning.certificate)
        guard certified.publicKeyDER == signer.publicKeyDER else {
            throw WitnessConfigurationError(file: "configuration", problems: [
                "cosigning: the private key does not belong to the certificate \(configuration.cosigning.certificate)",
            ])
        }
        let gateways = try configuration.gateways.map { gateway in
            WitnessedGateway(name: gateway.name, verifier: try CertificateKeyLoading.verifier(certificateFile: gateway.signingCertificate))
        }
        _ = try TLSPolicy.server(configuration.tls)
        ledger = try WitnessLedger(stateDirectory: configuration.stateDirectory)
        metrics = WitnessMetrics()
        witness = TreeHeadWitness(name: configuration.name, ledger: ledger, signer: signer, gateways: gateways,
                                  metrics: metrics, logger: logger, clock: clock)
    }

    /// Serves until cancelled or shut down gracefully (usable in a `ServiceGroup`); closes the ledger at the end.
    public func run() async throws {
        let boundPort = boundPort
        let adminPort = adminPort
        let tlsApp = try makeMutualTLSServer(
            router: makeRouter(), host: configuration.listen.host, port: configuration.listen.port, tls: configuration.tls,
            logger: logger, serverName: "ketenpoort-witness", limits: configuration.limits ?? .standard,
            observer: ConnectionObserver(listener: "witness", logger: logger, metrics: nil),
            onServerRunning: { port in await boundPort.resolve(port) })
        let admin = configuration.admin
        let metrics = metrics
        let logger = logger
        defer { try? ledger.close() }
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await tlsApp.run() }
                if let admin {
                    group.addTask {
                        try await Self.adminApplication(admin, metrics: metrics, logger: logger, port: adminPort).run()
                    }
                }
                // The first listener to end (shutdown or failure) ends the witness.
                try await group.next()
                group.cancelAll()
            }
        } catch {
            await boundPort.markStopped()
            await adminPort.markStopped()
            throw error
        }
        await boundPort.markStopped()
        await adminPort.markStopped()
    }

    private static func adminApplication(_ listener: GatewayConfiguration.Listener, metrics: WitnessMetrics, logger: Logger,
                                         port: BoundPort) -> some ApplicationProtocol {
        let router = Router()
        router.get("/healthz") { _, _ in Response(status: .ok, body: ResponseBody(byteBuffer: ByteBuffer(string: "ok\n"))) }
        router.get("/metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                     body: ResponseBody(byteBuffer: ByteBuffer(bytes: metrics.render())))
        }
        return Application(router: router, configuration: .init(address: .hostname(listener.host, port: listener.port)),
                           onServerRunning: { channel in await port.resolve(channel.localAddress?.port ?? listener.port) },
                           logger: logger)
    }

    private func makeRouter() -> Router<PeerRequestContext> {
        let router = Router(context: PeerRequestContext.self)
        let witness = witness
        let metrics = metrics
        router.post(RouterPath(stringLiteral: WitnessProtocol.submitPath)) { request, context -> Response in
            guard context.peer != nil else { return Self.json(403, WitnessProtocol.Refusal(error: "no-client-certificate")) }
            let submission: WitnessProtocol.Submission
            do {
                let body = try await request.body.collect(upTo: WitnessProtocol.maxBodyBytes)
                submission = try JSONDecoder().decode(WitnessProtocol.Submission.self, from: Data(body.readableBytesView))
            } catch {
                return Self.json(400, WitnessProtocol.Refusal(error: "bad-request", detail: "the body is not a tree-head submission"))
            }
            switch await witness.submit(submission) {
            case .accepted(let entry):
                return Self.json(200, WitnessProtocol.Cosigned(head: entry.head, cosignature: entry.cosignature))
            case .staleFromSize(let size, let root):
                return Self.json(409, WitnessProtocol.Refusal(error: "stale-from-size", detail: "the witness holds size \(size)",
                                                              witnessSize: size, witnessRoot: root.hexString))
            case .refused(let reason, let detail):
                return Self.json(422, WitnessProtocol.Refusal(error: reason.rawValue, detail: detail))
            case .unknownKey:
                return Self.json(403, WitnessProtocol.Refusal(error: "unknown-key", detail: "this witness does not accept heads of that key"))
            case .unavailable:
                return Self.json(503, WitnessProtocol.Refusal(error: "unavailable", detail: "the witness store failed; try again"))
            }
        }
        router.get(RouterPath(stringLiteral: WitnessProtocol.latestPath)) { request, _ -> Response in
            guard let text = request.uri.queryParameters["key_sha256"], let key = Data(hexString: String(text)), key.count == 32 else {
                return Self.json(400, WitnessProtocol.Refusal(error: "bad-request", detail: "give key_sha256 as 64 hex digits"))
            }
            do {
                guard let entry = try await witness.latest(keySHA256: key) else {
                    return Self.json(404, WitnessProtocol.Refusal(error: "not-found", detail: "no head witnessed for that key"))
                }
                return Self.json(200, WitnessProtocol.Cosigned(head: entry.head, cosignature: entry.cosignature))
            } catch {
                return Self.json(503, WitnessProtocol.Refusal(error: "unavailable"))
            }
        }
        router.get("/metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                     body: ResponseBody(byteBuffer: ByteBuffer(bytes: metrics.render())))
        }
        return router
    }

    private static func json(_ status: Int, _ value: some Encodable) -> Response {
        let body = (try? WitnessProtocol.encode(value)) ?? Data("{}".utf8)
        return Response(status: HTTPResponse.Status(code: status), headers: [.contentType: "application/json"],
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }
}

extension WitnessServer {
    /// Runs the witness until SIGINT or SIGTERM (graceful shutdown); reports the bound port once listening.
    public func runUntilSignalled(logger: Logger, onListening: @escaping @Sendable (_ port: Int) -> Void = { _ in }) async throws {
        try await runListenerUntilSignalled(self, boundPort: boundPort, logger: logger, onListening: onListening)
    }
}
