import AsyncHTTPClient
import Foundation
import KetenpoortCore
import KetenpoortPKI
import KetenpoortServer
import KetenpoortXML
import Logging
import NIOCore
import NIOSSL
import XCTest

/// One development PKI for the whole test run (RSA key generation is slow in debug builds).
enum PartnerTestPKI {
    /// The shared PKI, created once in a fresh temporary directory.
    static let shared: Result<DevelopmentPKI, any Error> = Result {
        atexit { try? FileManager.default.removeItem(atPath: PartnerTestPKI.directory) }
        return try DevelopmentPKI.create(in: directory)
    }

    /// Where the shared PKI lives; removed when the process exits.
    static let directory = (NSTemporaryDirectory() as NSString)
        .appendingPathComponent("ketenpoort-server-devpki-\(UUID().uuidString)")

    /// A client certificate from a CA nobody trusts (ECDSA for speed), written next to the PKI.
    static let untrustedClient: Result<TLSFiles, any Error> = Result {
        let pki = try shared.get()
        let authority = try CertificateAuthority.create(
            subject: SubjectName(organization: "Rogue", commonName: "Rogue CA"), keyType: .p256)
        let leaf = try authority.issue(.tls(
            subject: SubjectName(organization: "Rogue", commonName: "rogue client", oin: "00000099000000000900"),
            keyType: .p256))
        let certificate = pki.path("rogue-tls.pem")
        let key = pki.path("rogue-tls-key.pem")
        try leaf.write(certificateTo: certificate, keyTo: key)
        return TLSFiles(certificate: certificate, privateKey: key, trustedCAs: [pki.path(DevelopmentPKI.caCertificateFile)])
    }

    /// The shared PKI or the error that creating it raised.
    static func get() throws -> DevelopmentPKI { try shared.get() }

    /// The TLS files of a party (trusting the development CA).
    static func tlsFiles(_ party: String) throws -> TLSFiles {
        let pki = try get()
        return TLSFiles(certificate: pki.path("\(party)-tls.pem"), privateKey: pki.path("\(party)-tls-key.pem"),
                        trustedCAs: [pki.path(DevelopmentPKI.caCertificateFile)])
    }

    /// The signer of a party's signing certificate.
    static func signer(_ party: String) throws -> XMLSigner {
        let pki = try get()
        return try XMLSigner(keyFile: URL(fileURLWithPath: pki.path("\(party)-sign-key.pem")),
                             certificateFile: URL(fileURLWithPath: pki.path("\(party)-sign.pem")))
    }

    /// DER of a party's signing certificate.
    static func signingCertificateDER(_ party: String) throws -> Data {
        Data(try CertificateInfo(file: try get().path("\(party)-sign.pem")).derBytes)
    }

    /// The CA certificate PEM.
    static func caPEM() throws -> Data {
        try Data(contentsOf: URL(fileURLWithPath: try get().path(DevelopmentPKI.caCertificateFile)))
    }
}

/// Example messages and their marker values (which must never appear in logs).
enum PartnerFixtures {
    /// The victim referral example (routes to `shn`).
    static func referral() throws -> Data {
        try Data(contentsOf: ResourceLocation.schemaDirectory().deletingLastPathComponent()
            .appendingPathComponent("Examples/valid/slachtofferverwijzing-utrecht.xml"))
    }

    /// The referral's BerichtId.
    static let referralId = "4bb52c31-cd75-4f17-adea-fa1d9da4fc67"

    /// Values from the referral that are personal data.
    static let markers = ["Mila", "Josephine", "999990093"]

    /// `bytes` with `old` replaced by `new` (fails the test if `old` is absent).
    static func replacing(_ old: String, with new: String, in bytes: Data) throws -> Data {
        let text = String(decoding: bytes, as: UTF8.self)
        guard text.contains(old) else { throw HarnessError("fixture no longer contains '\(old)'") }
        return Data(text.replacingOccurrences(of: old, with: new).utf8)
    }
}

/// Log lines captured in memory.
final class CapturedLogs: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [String] = []

    /// Every line so far (message plus metadata).
    var lines: [String] { lock.withLock { storage } }

    /// Adds a line.
    func append(_ line: String) { lock.withLock { storage.append(line) } }

    /// A logger writing into this capture.
    func logger(label: String = "partner-test") -> Logger {
        var logger = Logger(label: label) { _ in CapturingLogHandler(capture: self) }
        logger.logLevel = .trace
        return logger
    }
}

/// A LogHandler that renders every record (message and metadata) into `CapturedLogs`.
struct CapturingLogHandler: LogHandler {
    let capture: CapturedLogs
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var all = metadata
        event.metadata?.forEach { all[$0.key] = $0.value }
        let rendered = all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        capture.append("\(event.level) \(event.message) \(rendered)")
    }
}

/// Runs endpoints and posts to them in tests.
extension XCTestCase {
    /// A partner configuration for `shn` with a fresh inbox, listening on an ephemeral port.
    func shnConfiguration() throws -> PartnerEndpointConfiguration {
        let pki = try PartnerTestPKI.get()
        let inbox = (NSTemporaryDirectory() as NSString).appendingPathComponent("partner-inbox-\(UUID().uuidString)")
        addTeardownBlock { try? FileManager.default.removeItem(atPath: inbox) }
        let shn = try XCTUnwrap(pki.manifest.party(named: "shn"))
        let gateway = try XCTUnwrap(pki.manifest.party(named: "gateway"))
        return PartnerEndpointConfiguration(
            partner: "shn", oin: shn.oin, organisationalUnit: "Slachtofferhulp Nederland, centrale intake",
            listen: .init(host: "127.0.0.1", port: 0), tls: try PartnerTestPKI.tlsFiles("shn"),
            receiptSigning: .init(certificate: pki.path("shn-sign.pem"), privateKey: pki.path("shn-sign-key.pem")),
            gateway: .init(trustedCAs: [pki.path(DevelopmentPKI.caCertificateFile)], signerOINs: [gateway.oin]),
            inbox: inbox)
    }

    /// Starts an endpoint, runs `body` with it and its port, then stops it.
    func withEndpoint(
        _ configuration: PartnerEndpointConfiguration, logs: CapturedLogs = CapturedLogs(),
        _ body: (PartnerEndpoint, Int) async throws -> Void
    ) async throws {
        let endpoint = try PartnerEndpoint(configuration: configuration, logger: logs.logger())
        let task = Task { try await endpoint.run() }
        do {
            let port = try await endpoint.boundPort.wait()
            try await body(endpoint, port)
        } catch {
            task.cancel()
            _ = await task.result
            throw error
        }
        task.cancel()
        _ = await task.result
    }

    /// Posts `bytes` with the given TLS configuration; returns status and body.
    func post(_ bytes: Data, port: Int, tls: TLSConfiguration,
              connectTimeout: TimeAmount = .seconds(10)) async throws -> (status: Int, body: Data) {
        try await PartnerClient.post(bytes, port: port, tls: tls, connectTimeout: connectTimeout)
    }

    /// Posts as the gateway (its TLS certificate).
    func postAsGateway(_ bytes: Data, port: Int) async throws -> (status: Int, body: Data) {
        try await PartnerClient.postAsGateway(bytes, port: port)
    }

    /// A verifier for receipts signed by SHN.
    func receiptVerifier() throws -> ReceiptVerifier {
        let registry = try MessageKindRegistry(schemaDirectory: ResourceLocation.schemaDirectory())
        return try ReceiptVerifier(trustAnchorsPEM: try PartnerTestPKI.caPEM(),
                                   validator: MessageValidator(registry: registry, routingTable: MunicipalityRegions([:])))
    }
}

/// Posts to a partner endpoint over mutual TLS (Sendable, usable from task groups).
enum PartnerClient {
    /// Posts `bytes` with the given TLS configuration; returns status and body.
    static func post(_ bytes: Data, port: Int, tls: TLSConfiguration,
                     connectTimeout: TimeAmount = .seconds(10)) async throws -> (status: Int, body: Data) {
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
        configuration.timeout = .init(connect: connectTimeout, read: .seconds(30))
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        do {
            var request = HTTPClientRequest(url: "https://127.0.0.1:\(port)\(PartnerEndpoint.path)")
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/xml")
            request.body = .bytes(ByteBuffer(bytes: bytes))
            let response = try await client.execute(request, timeout: .seconds(30))
            let body = try await response.body.collect(upTo: 1 << 20)
            try await client.shutdown()
            return (Int(response.status.code), Data(body.readableBytesView))
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    /// Posts as the gateway (its TLS certificate).
    static func postAsGateway(_ bytes: Data, port: Int) async throws -> (status: Int, body: Data) {
        try await post(bytes, port: port, tls: try TLSPolicy.client(try PartnerTestPKI.tlsFiles("gateway")))
    }
}
