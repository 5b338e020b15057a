import AsyncHTTPClient
import Crypto
import Foundation
import KetenpoortCore
import KetenpoortPKI
import KetenpoortServer
import KetenpoortStore
import NIOConcurrencyHelpers
import XCTest

/// A gateway started from a configuration file, so that it can reread that file.
final class ReloadableGateway: @unchecked Sendable {
    let gateway: Gateway
    let file: String
    let directory: String
    let port: Int
    private let task: Task<Void, any Error>

    private init(gateway: Gateway, file: String, directory: String, port: Int, task: Task<Void, any Error>) {
        self.gateway = gateway
        self.file = file
        self.directory = directory
        self.port = port
        self.task = task
    }

    /// Writes `configuration` to a file in a fresh directory (JSON is YAML), loads it back and runs a gateway with it;
    /// with `signals` the gateway rereads the file on SIGHUP.
    static func start(_ configuration: (inout GatewayConfiguration) throws -> Void, partners: [String: String],
                      signals: Bool = false) async throws -> ReloadableGateway {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kp-reload-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var written = try RunningGateway.makeConfiguration(
            partners: partners, stateDirectory: directory + "/state",
            retry: .init(initialDelaySeconds: 0.3, maxDelaySeconds: 1, maxAgeHours: 1, jitter: 0.1))
        try configuration(&written)
        let file = directory + "/gateway.yaml"
        try write(written, to: file)
        let gateway = try await Gateway.open(configuration: try ConfigurationLoader.load(file: file),
                                             logger: CapturedLogs().logger(label: "gateway"))
        let task = Task { try await gateway.run(handleSignals: signals, reloadFrom: signals ? file : nil) }
        let port = try await gateway.intakePort.wait()
        return ReloadableGateway(gateway: gateway, file: file, directory: directory, port: port, task: task)
    }

    /// Writes a configuration as the operator would edit the file.
    static func write(_ configuration: GatewayConfiguration, to file: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(configuration).write(to: URL(fileURLWithPath: file))
    }

    /// The configuration in the file now.
    func configuration() throws -> GatewayConfiguration {
        try ConfigurationLoader.load(file: file)
    }

    /// Changes the file (not the running gateway).
    func edit(_ change: (inout GatewayConfiguration) throws -> Void) throws {
        var configuration = try configuration()
        try change(&configuration)
        try Self.write(configuration, to: file)
    }

    /// The SHA-256 (hex) of the file now.
    func fileSHA256() throws -> String {
        SHA256.hash(data: try Data(contentsOf: URL(fileURLWithPath: file))).map { String(format: "%02x", $0) }.joined()
    }

    /// The details of every `config.reloaded` record so far.
    func reloadRecords() async throws -> [String] {
        try await gateway.store.auditRecords(afterSequence: 0, limit: 100_000)
            .filter { $0.event == AuditEvent.configReloaded.rawValue }.map(\.detail)
    }

    func stop() async throws {
        await gateway.stop()
        _ = try? await task.value
    }
}

/// Reload without restart: checked whole first, applied to new requests and deliveries, audited with the file's hash.
final class ReloadTests: XCTestCase {
    private let rotterdamPolice = "politie-rotterdam"

    /// Rotterdam's police may send only referrals: its zorgmelding is refused with 403 until a reload allows it.
    private func startWithoutZorgmelding(signals: Bool = false) async throws -> ReloadableGateway {
        try await ReloadableGateway.start({ configuration in
            configuration.senders[0].kinds = ["Slachtofferverwijzing"]
        }, partners: ["vt-rotterdam-rijnmond": "https://localhost:9/v1/berichten"], signals: signals)
    }

    private func allowZorgmelding(_ configuration: inout GatewayConfiguration) {
        configuration.senders[0].kinds = ["Zorgmelding", "Slachtofferverwijzing"]
    }

    func testReloadAppliesANewSenderRightAndAuditsTheFileHash() async throws {
        let gateway = try await startWithoutZorgmelding()
        let client = try IntakeClient(tls: GatewayTestPKI.tls(try GatewayTestPKI.get(), rotterdamPolice))
        do {
            let before = try await client.post(try GatewayExamples.zorgmelding(), port: gateway.port)
            XCTAssertEqual(before.status, 403, before.body)
            try gateway.edit(allowZorgmelding)
            let outcome = await gateway.gateway.reload(configurationFile: gateway.file)
            XCTAssertTrue(outcome.applied, "\(outcome)")
            XCTAssertEqual(outcome.changes, ["senders"])
            XCTAssertEqual(outcome.sha256, try gateway.fileSHA256())
            // The same client: a connection opened before the reload is admitted by the new rules too.
            let after = try await client.post(try GatewayExamples.zorgmelding(), port: gateway.port)
            XCTAssertEqual(after.status, 202, after.body)
            let records = try await gateway.reloadRecords()
            XCTAssertEqual(records, ["sha256=\(try gateway.fileSHA256()) outcome=applied changes=senders"])
        } catch {
            XCTFail("\(error)")
        }
        await client.shutdown()
        try await gateway.stop()
    }

    func testAConfigurationWithOneBadPartIsRefusedWholeAndTheRunningOneStays() async throws {
        let gateway = try await startWithoutZorgmelding()
        let client = try IntakeClient(tls: GatewayTestPKI.tls(try GatewayTestPKI.get(), rotterdamPolice))
        do {
            // A good change (the sender right) next to a bad one (a receipt certificate that is not there).
            try gateway.edit { configuration in
                self.allowZorgmelding(&configuration)
                configuration.partners[0].signingCertificates = [gateway.directory + "/missing-receipt-certificate.pem"]
            }
            let outcome = await gateway.gateway.reload(configurationFile: gateway.file)
            XCTAssertFalse(outcome.applied)
            XCTAssertTrue(outcome.refusal?.contains("partners[0].signingCertificates") ?? false, "\(outcome)")
            let still = try await client.post(try GatewayExamples.zorgmelding(), port: gateway.port)
            XCTAssertEqual(still.status, 403, "the sender right of a refused file was applied: \(still.body)")
            let records = try await gateway.reloadRecords()
            XCTAssertEqual(records.count, 1)
            XCTAssertTrue(records[0].hasPrefix("sha256=\(try gateway.fileSHA256()) outcome=refused reason=\""), records[0])
        } catch {
            XCTFail("\(error)")
        }
        await client.shutdown()
        try await gateway.stop()
    }

    func testKeysThatNeedARestartAreNamedAndNothingIsApplied() async throws {
        let gateway = try await startWithoutZorgmelding()
        let client = try IntakeClient(tls: GatewayTestPKI.tls(try GatewayTestPKI.get(), rotterdamPolice))
        do {
            try gateway.edit { configuration in
                self.allowZorgmelding(&configuration)
                configuration.intake.port = 1
                configuration.checkpointIntervalSeconds = 60
            }
            let outcome = await gateway.gateway.reload(configurationFile: gateway.file)
            XCTAssertEqual(outcome.refusal, "these keys change only with a restart: intake.port, checkpointIntervalSeconds")
            let still = try await client.post(try GatewayExamples.zorgmelding(), port: gateway.port)
            XCTAssertEqual(still.status, 403, still.body)
            // A file that cannot be read is refused too, and audited without a hash.
            let missing = await gateway.gateway.reload(configurationFile: gateway.directory + "/absent.yaml")
            XCTAssertEqual(missing.sha256, "none")
            XCTAssertFalse(missing.applied)
            let records = try await gateway.reloadRecords()
            XCTAssertEqual(records.count, 2)
            XCTAssertTrue(records[1].hasPrefix("sha256=none outcome=refused"), records[1])
        } catch {
            XCTFail("\(error)")
        }
        await client.shutdown()
        try await gateway.stop()
    }

    func testSIGHUPRereadsTheConfigurationFile() async throws {
        let gateway = try await startWithoutZorgmelding(signals: true)
        let client = try IntakeClient(tls: GatewayTestPKI.tls(try GatewayTestPKI.get(), rotterdamPolice))
        do {
            try gateway.edit(allowZorgmelding)
            // Sent again until it is seen: the reload service may still be starting when the first one arrives.
            try await eventually {
                if try await !gateway.reloadRecords().isEmpty { return true }
                kill(getpid(), SIGHUP)
                return false
            }
            let records = try await gateway.reloadRecords()
            XCTAssertEqual(records.first, "sha256=\(try gateway.fileSHA256()) outcome=applied changes=senders")
            let after = try await client.post(try GatewayExamples.zorgmelding(), port: gateway.port)
            XCTAssertEqual(after.status, 202, after.body)
        } catch {
            XCTFail("\(error)")
        }
        await client.shutdown()
        try await gateway.stop()
    }

    func testCertificateExpiryGaugesFollowTheReloadedFiles() async throws {
        let gateway = try await startWithoutZorgmelding()
        let pki = try GatewayTestPKI.get()
        guard let party = DevelopmentParty.all.first(where: { $0.name == "gateway" }) else { return XCTFail("no gateway party") }
        let issued = try pki.authority.issue(.tls(subject: party.subject(purpose: "TLS"), keyType: .p256, validity: .days(40)))
        let certificate = gateway.directory + "/intake-40-days.pem"
        let key = gateway.directory + "/intake-40-days-key.pem"
        try issued.write(certificateTo: certificate, keyTo: key)
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        do {
            let adminPort = try await gateway.gateway.adminPort.wait()
            func intakeDaysLeft() async throws -> String? {
                let response = try await http.execute(HTTPClientRequest(url: "http://127.0.0.1:\(adminPort)/metrics"), timeout: .seconds(10))
                let text = String(buffer: try await response.body.collect(upTo: 1 << 22))
                return text.split(separator: "\n").first { $0.hasPrefix("ketenpoort_certificate_days_left{certificate=\"intake-tls\"}") }
                    .map { String($0.split(separator: " ").last ?? "") }
            }
            let before = try await intakeDaysLeft()
            XCTAssertNotNil(before)
            XCTAssertNotEqual(before, "39.0")
            try gateway.edit { configuration in
                configuration.intake.tls.certificate = certificate
                configuration.intake.tls.privateKey = key
            }
            let outcome = await gateway.gateway.reload(configurationFile: gateway.file)
            XCTAssertEqual(outcome.changes, ["intake-tls"], "\(outcome)")
            XCTAssertEqual(gateway.gateway.runningConfiguration.intake.tls.certificate, certificate)
            let after = try await intakeDaysLeft()
            XCTAssertTrue(after == "39.0" || after == "40.0", "days left after the reload: \(after ?? "none")")
        } catch {
            XCTFail("\(error)")
        }
        try? await http.shutdown()
        try await gateway.stop()
    }
}
