import AsyncHTTPClient
import Foundation
import KetenpoortCore
import KetenpoortPKI
import KetenpoortServer
import KetenpoortStore
import Logging
import NIOCore
import NIOSSL
import XCTest

/// One development PKI for every gateway test (RSA key generation is slow in debug builds).
enum GatewayTestPKI {
    static let shared: Result<DevelopmentPKI, any Error> = Result {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kp-gw-pki-\(UUID().uuidString)")
        return try DevelopmentPKI.create(in: directory.path)
    }

    static func get() throws -> DevelopmentPKI { try shared.get() }

    /// The TLS files of a party in the PKI.
    static func tls(_ pki: DevelopmentPKI, _ name: String) throws -> TLSFiles {
        guard let party = pki.manifest.party(named: name) else { throw HarnessError("no party \(name)") }
        return TLSFiles(certificate: pki.path(party.tlsCertificate), privateKey: pki.path(party.tlsKey),
                        trustedCAs: [pki.path(DevelopmentPKI.caCertificateFile)])
    }
}

/// A test failure in the harness itself.
struct HarnessError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A running gateway on loopback with a fresh state directory.
final class RunningGateway: @unchecked Sendable {
    let gateway: Gateway
    let configuration: GatewayConfiguration
    let logs: CapturedLogs
    let port: Int
    let adminPort: Int
    private let task: Task<Void, any Error>

    private init(gateway: Gateway, configuration: GatewayConfiguration, logs: CapturedLogs, port: Int, adminPort: Int, task: Task<Void, any Error>) {
        self.gateway = gateway
        self.configuration = configuration
        self.logs = logs
        self.port = port
        self.adminPort = adminPort
        self.task = task
    }

    /// Starts a gateway whose partners are at the given endpoints (id → URL).
    static func start(partners endpoints: [String: String], stateDirectory: String? = nil,
                      retry: GatewayConfiguration.RetryPolicy = .init(initialDelaySeconds: 0.3, maxDelaySeconds: 1, maxAgeHours: 1, jitter: 0.1),
                      logs: CapturedLogs = CapturedLogs(), intakeLimits: ConnectionLimits? = nil,
                      store: GatewayConfiguration.Store? = nil) async throws -> RunningGateway {
        var configuration = try makeConfiguration(partners: endpoints, stateDirectory: stateDirectory, retry: retry)
        configuration.intake.limits = intakeLimits
        configuration.store = store
        let gateway = try await Gateway.open(configuration: configuration, logger: logs.logger(label: "gateway"))
        let task = Task { try await gateway.run(handleSignals: false) }
        let port = try await gateway.intakePort.wait()
        let adminPort = try await gateway.adminPort.wait()
        return RunningGateway(gateway: gateway, configuration: configuration, logs: logs, port: port, adminPort: adminPort, task: task)
    }

    /// Stops gracefully and waits until everything has shut down.
    func stop() async throws {
        await gateway.stop()
        _ = try? await task.value
    }

    /// The configuration the tests run with: the dev PKI, the example routing table, two police senders.
    static func makeConfiguration(partners endpoints: [String: String], stateDirectory: String?,
                                  retry: GatewayConfiguration.RetryPolicy) throws -> GatewayConfiguration {
        let pki = try GatewayTestPKI.get()
        guard let gateway = pki.manifest.party(named: "gateway") else { throw HarnessError("no gateway party") }
        let ca = pki.path(DevelopmentPKI.caCertificateFile)
        let tls = TLSFiles(certificate: pki.path(gateway.tlsCertificate), privateKey: pki.path(gateway.tlsKey), trustedCAs: [ca])
        let state = stateDirectory ?? FileManager.default.temporaryDirectory.appendingPathComponent("kp-gw-state-\(UUID().uuidString)").path
        let partners = try endpoints.keys.sorted().map { id -> GatewayConfiguration.Partner in
            guard let party = pki.manifest.party(named: id) else { throw HarnessError("no party \(id)") }
            return .init(id: id, name: party.organisation, oin: party.oin, endpoint: endpoints[id] ?? "",
                         signingCertificates: [pki.path(party.signingCertificate)], concurrency: 4)
        }
        let rotterdam = pki.manifest.party(named: "politie-rotterdam")?.oin ?? ""
        let amsterdam = pki.manifest.party(named: "politie-amsterdam")?.oin ?? ""
        return GatewayConfiguration(
            gateway: .init(oin: gateway.oin, unit: "test"), stateDirectory: state, schemaDirectory: nil,
            intake: .init(host: "127.0.0.1", port: 0, tls: tls, maxMessageBytes: nil),
            admin: .init(host: "127.0.0.1", port: 0),
            signing: .init(certificate: pki.path(gateway.signingCertificate), privateKey: pki.path(gateway.signingKey)),
            courier: .init(tls: tls, receiptTrustedCAs: [ca], connectTimeoutSeconds: 2, requestTimeoutSeconds: 5),
            routing: .init(municipalities: ResourceLocation.exampleRoutingTable().path),
            partners: partners,
            senders: [.init(oin: rotterdam, name: "Politie Rotterdam", kinds: ["Zorgmelding", "Slachtofferverwijzing"]),
                      .init(oin: amsterdam, name: "Politie Amsterdam", kinds: ["Zorgmelding"])],
            retry: retry, retentionDays: nil, checkpointIntervalSeconds: 3600)
    }
}

/// A mutual-TLS client acting as one party of the dev PKI.
final class IntakeClient: Sendable {
    let client: HTTPClient

    init(tls: TLSFiles) throws {
        var configuration = HTTPClient.Configuration(tlsConfiguration: try TLSPolicy.client(tls))
        configuration.timeout = .init(connect: .seconds(5), read: .seconds(20))
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// A client with an arbitrary NIOSSL configuration (no certificate, other CA, …).
    init(configuration tlsConfiguration: TLSConfiguration) {
        var configuration = HTTPClient.Configuration(tlsConfiguration: tlsConfiguration)
        configuration.timeout = .init(connect: .seconds(5), read: .seconds(20))
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    func shutdown() async {
        try? await client.shutdown()
    }

    /// POSTs bytes; returns status and body.
    func post(_ body: Data, port: Int, path: String = "/v1/berichten") async throws -> (status: Int, body: String) {
        var request = HTTPClientRequest(url: "https://localhost:\(port)\(path)")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/xml")
        request.body = .bytes(ByteBuffer(bytes: body))
        let response = try await client.execute(request, timeout: .seconds(20))
        let buffer = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), String(buffer: buffer))
    }

    /// GETs a path; returns status and body.
    func get(_ path: String, port: Int) async throws -> (status: Int, body: String) {
        let request = HTTPClientRequest(url: "https://localhost:\(port)\(path)")
        let response = try await client.execute(request, timeout: .seconds(20))
        let buffer = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), String(buffer: buffer))
    }
}

/// Example messages from the repository.
enum GatewayExamples {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func text(_ relative: String) throws -> String {
        String(decoding: try Data(contentsOf: repository.appendingPathComponent("Examples").appendingPathComponent(relative)), as: UTF8.self)
    }

    /// The Rotterdam child zorgmelding with a fresh message id.
    static func zorgmelding(id: String = UUID().uuidString.lowercased(), replacing changes: [(String, String)] = []) throws -> Data {
        var text = try text("valid/zorgmelding-rotterdam-kind.xml")
        text = text.replacingOccurrences(of: "aeb439a9-fb44-4be2-9471-5a41e62e72c1", with: id)
        for (old, new) in changes { text = text.replacingOccurrences(of: old, with: new) }
        return Data(text.utf8)
    }
}

/// GETs a path from a gateway's admin listener (plain HTTP on 127.0.0.1) and returns the body.
func adminText(port: Int, path: String) async throws -> String {
    let client = HTTPClient(eventLoopGroupProvider: .singleton)
    do {
        let response = try await client.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)"), timeout: .seconds(10))
        let text = String(buffer: try await response.body.collect(upTo: 1 << 22))
        try await client.shutdown()
        return text
    } catch {
        try? await client.shutdown()
        throw error
    }
}
