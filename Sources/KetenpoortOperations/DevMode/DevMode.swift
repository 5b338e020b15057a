import Foundation
import KetenpoortCore
import KetenpoortPKI
import KetenpoortServer
import Logging
import ServiceLifecycle

/// `serve --dev`: a development PKI, a state directory, five reference partner endpoints and a witness, all
/// ephemeral, plus the gateway, in one process (like `vault server -dev`). The temporary directory is removed
/// on exit unless `keep` is set.
public struct DevMode: Sendable {
    /// The intake port (0: any free port).
    public let intakePort: Int
    /// Keep the temporary directory on exit.
    public let keep: Bool
    /// The gateway's and endpoints' logger.
    public let logger: Logger
    /// Receives progress and warning lines (the command line writes them to standard error).
    public let notice: @Sendable (String) -> Void
    /// Receives the instructions once the gateway listens (the command line writes them to standard output).
    public let announce: @Sendable (String) -> Void

    /// Dev mode on `intakePort`; `notice` and `announce` say what happens.
    public init(intakePort: Int, keep: Bool, logger: Logger, notice: @escaping @Sendable (String) -> Void,
                announce: @escaping @Sendable (String) -> Void) {
        self.intakePort = intakePort
        self.keep = keep
        self.logger = logger
        self.notice = notice
        self.announce = announce
    }

    /// The partners that get a reference endpoint in dev mode.
    public static let partners = ["shn", "vt-amsterdam-amstelland", "vt-rotterdam-rijnmond", "vt-haaglanden", "vt-utrecht"]

    /// Runs until SIGINT or SIGTERM, then removes the temporary directory (unless `keep`).
    public func run() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ketenpoort-dev-\(UUID().uuidString.prefix(8))")
        defer { cleanUp(root) }
        try await run(in: root)
    }

    /// Removes the development directory (keys, state, inboxes), or says where it was kept.
    func cleanUp(_ root: URL) {
        if keep {
            notice("development files kept in \(root.path)")
            return
        }
        do {
            try FileManager.default.removeItem(at: root)
        } catch CocoaError.fileNoSuchFile {
            return
        } catch {
            notice("warning: could not remove the development directory \(root.path): \(error.localizedDescription)")
        }
    }

    private func run(in root: URL) async throws {
        let pkiDirectory = root.appendingPathComponent("pki").path
        notice("creating a development PKI in \(pkiDirectory) …")
        let pki = try DevelopmentPKI.create(in: pkiDirectory)
        var endpoints: [PartnerEndpoint] = []
        var partners: [GatewayConfiguration.Partner] = []
        for name in Self.partners {
            guard let party = pki.manifest.party(named: name) else { continue }
            let configuration = try PartnerEndpointConfiguration.development(
                pki: pki, party: party, host: "127.0.0.1", port: 0, inbox: root.appendingPathComponent("inbox/\(name)").path)
            let endpoint = try PartnerEndpoint(configuration: configuration, logger: logger)
            endpoints.append(endpoint)
            partners.append(GatewayConfiguration.Partner(id: name, name: party.organisation, oin: party.oin, endpoint: "",
                                                         signingCertificates: [pki.path(party.signingCertificate)], concurrency: 4))
        }
        let witness = try WitnessServer(configuration: try DevWitness.configuration(pki: pki, root: root), logger: logger)
        let running = endpoints
        let known = partners
        // The launcher waits for the endpoints' ports, then runs the gateway with them. A shutdown (Ctrl-C) or a
        // cancellation while it still waits ends the wait at once instead of starting a gateway nobody wants.
        let launcher = ClosureService {
            let (configuration, witnessPort) = try await cancelWhenGracefulShutdown {
                var partners = known
                for index in partners.indices {
                    let port = try await running[index].boundPort.wait()
                    partners[index].endpoint = "https://localhost:\(port)/v1/berichten"
                }
                var configuration = try DevConfiguration.make(pki: pki, root: root, intakePort: intakePort, partners: partners)
                let witnessPort = try await witness.boundPort.wait()
                configuration.witnesses = try DevWitness.policy(pki: pki, port: witnessPort)
                return (configuration, witnessPort)
            }
            try Task.checkCancellation()
            let gateway = try Gateway(configuration: configuration, logger: logger)
            let announcing = announceWhenListening(gateway, configuration: configuration, pki: pki, root: root,
                                                   witnessPort: witnessPort)
            defer { announcing.cancel() }
            try await GatewayService(gateway).run()
        }
        // SIGINT/SIGTERM shut services down in reverse order: the gateway first, then the endpoints.
        let group = ServiceGroup(configuration: .init(
            services: running.map { .init(service: $0) } + [.init(service: witness), .init(service: launcher)],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }

    /// Writes the configuration with the ports the gateway bound and announces the instructions; cancelled when the gateway stops.
    private func announceWhenListening(_ gateway: Gateway, configuration: GatewayConfiguration, pki: DevelopmentPKI, root: URL,
                                       witnessPort: Int) -> Task<Void, any Error> {
        Task {
            let port = try await gateway.intakePort.wait()
            let adminPort = try await gateway.adminPort.wait()
            // The file names the ports actually bound, so operator commands with --config find this gateway.
            var running = configuration
            running.intake.port = port
            running.admin.port = adminPort
            let configFile: String
            do {
                configFile = try DevConfiguration.write(running, in: root)
            } catch {
                notice("warning: could not write \(root.appendingPathComponent(DevConfiguration.fileName).path): \(error.localizedDescription)")
                configFile = root.appendingPathComponent(DevConfiguration.fileName).path
            }
            try Task.checkCancellation()
            announce(instructions(pki: pki, root: root, configFile: configFile, port: port, adminPort: adminPort, witnessPort: witnessPort))
        }
    }

    /// What to try, with the running gateway's ports and files.
    func instructions(pki: DevelopmentPKI, root: URL, configFile: String, port: Int, adminPort: Int, witnessPort: Int) -> String {
        let sender = pki.manifest.party(named: "politie-rotterdam")
        let cert = sender.map { pki.path($0.tlsCertificate) } ?? "?"
        let key = sender.map { pki.path($0.tlsKey) } ?? "?"
        let example = ResourceLocation.find("Examples/valid/zorgmelding-rotterdam-kind.xml")?.path ?? "Examples/valid/zorgmelding-rotterdam-kind.xml"
        // The running binary, so the commands work from another terminal whether or not ketenpoort is on the PATH.
        let binary = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? "ketenpoort"
        let text = """

            Ketenpoort is running in DEVELOPMENT mode (nothing here is for production).
              intake:   https://localhost:\(port)/v1/berichten   (mutual TLS)
              admin:    http://127.0.0.1:\(adminPort)/healthz  /metrics
              state:    \(root.appendingPathComponent("state").path)
              config:   \(configFile)
              inboxes:  \(root.appendingPathComponent("inbox").path)/{\(Self.partners.joined(separator: ","))}
              witness:  https://localhost:\(witnessPort)\(WitnessProtocol.submitPath)   (cosigns the audit tree heads)

            Try it (as Politie Rotterdam):
              \(binary) submit \(example) \\
                  --url https://localhost:\(port)/v1/berichten \\
                  --cert \(cert) --key \(key) --ca \(pki.path(DevelopmentPKI.caCertificateFile))

            Then look at the inbox of vt-rotterdam-rijnmond, or use the operator commands with this gateway's configuration:
              \(binary) queue status --config \(configFile)
              \(binary) certs check --config \(configFile)
              \(binary) audit verify --config \(configFile)
              \(binary) audit status --config \(configFile)

            Compare the audit tree with what the witness holds (fails if it was truncated or rewritten):
              \(DevWitness.verifyCommand(binary: binary, pki: pki, root: root, port: witnessPort))
            Stop with Ctrl-C.

            """
        return text
    }
}

/// Runs a closure as a service.
struct ClosureService: Service {
    let body: @Sendable () async throws -> Void

    func run() async throws {
        try await body()
    }
}

/// Dev mode could not be set up.
public enum DevModeError: Error, CustomStringConvertible {
    /// The development PKI lacks a party dev mode needs.
    case missingParty(String)

    /// The problem, in words.
    public var description: String {
        switch self {
        case .missingParty(let name): return "the development PKI has no party \(name)"
        }
    }
}
