import Foundation
import KetenpoortCore
import KetenpoortPKI
import KetenpoortServer
import KetenpoortStore
import NIOConcurrencyHelpers
import XCTest

/// Rotating the intake server certificate and a partner's receipt certificate by reload while messages flow.
final class ReloadUnderLoadTests: XCTestCase {
    private let partner = "vt-rotterdam-rijnmond"

    func testRotatingTheIntakeCertificateAndAPartnerReceiptCertificateUnderLoadRefusesAndFailsNothing() async throws {
        let pki = try GatewayTestPKI.get()
        let files = FileManager.default.temporaryDirectory.appendingPathComponent("kp-rotation-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: files, withIntermediateDirectories: true)
        // The new intake certificate (same CA, so senders trust it) and the partner's new receipt signing certificate.
        let newIntake = try issue(.tls(subject: try subject("gateway", purpose: "TLS"), keyType: .p256), in: files, name: "gateway-tls-2")
        let newReceipt = try issue(.signing(subject: try subject(partner, purpose: "signing")), in: files, name: "\(partner)-sign-2")
        let oldReceipt = pki.path("\(partner)-sign.pem")
        let oldPartner = try await RunningPartner.start(partner)
        let newPartner = try await startPartner(receiptSigning: newReceipt)
        let gateway = try await ReloadableGateway.start({ _ in }, partners: [partner: oldPartner.url])
        let before = try presentedCertificate(port: gateway.port)
        XCTAssertEqual(before, try fingerprint(pki.path("gateway-tls.pem")))
        let load = IntakeLoad(port: gateway.port, client: try GatewayTestPKI.tls(pki, "politie-rotterdam"))
        let senders = (0..<3).map { _ in Task { await load.run() } }
        do {
            try await eventually { load.accepted.count >= 10 }
            // 1. New intake certificate; the partner's new receipt certificate is accepted next to the old one.
            try gateway.edit { configuration in
                configuration.intake.tls.certificate = newIntake.certificate
                configuration.intake.tls.privateKey = newIntake.key
                configuration.partners[0].signingCertificates = [oldReceipt, newReceipt.certificate]
            }
            let first = await gateway.gateway.reload(configurationFile: gateway.file)
            XCTAssertEqual(first.changes, ["intake-tls", "partners"], "\(first)")
            XCTAssertEqual(try presentedCertificate(port: gateway.port), try fingerprint(newIntake.certificate))
            // 2. The partner signs with its new key from now on (here: its endpoint with the new key takes over).
            let atSwitch = load.accepted.count
            try gateway.edit { $0.partners[0].endpoint = newPartner.url }
            let second = await gateway.gateway.reload(configurationFile: gateway.file)
            XCTAssertTrue(second.applied, "\(second)")
            try await eventually { newPartner.inboxFiles().count >= 5 && load.accepted.count >= atSwitch + 10 }
            // 3. The old receipt certificate is withdrawn.
            try gateway.edit { $0.partners[0].signingCertificates = [newReceipt.certificate] }
            let third = await gateway.gateway.reload(configurationFile: gateway.file)
            XCTAssertTrue(third.applied, "\(third)")
            let atWithdrawal = load.accepted.count
            try await eventually { load.accepted.count >= atWithdrawal + 10 }
        } catch {
            XCTFail("\(error)")
        }
        load.stop()
        for sender in senders { await sender.value }
        XCTAssertEqual(load.problems, [], "intake answered something other than 202 during the rotation")
        let accepted = load.accepted
        XCTAssertGreaterThanOrEqual(accepted.count, 30)
        // Every message is delivered on its first attempt: nothing refused, deferred or failed.
        try await eventually(60) {
            for id in accepted {
                if try await gateway.gateway.store.status(messageId: id)?.deliveries.first?.state != .delivered { return false }
            }
            return true
        }
        let events = try await gateway.gateway.store.auditRecords(afterSequence: 0, limit: 1_000_000).map(\.event)
        XCTAssertFalse(events.contains(AuditEvent.deliveryDeferred.rawValue))
        XCTAssertFalse(events.contains(AuditEvent.deliveryFailed.rawValue))
        XCTAssertFalse(events.contains(AuditEvent.intakeRejected.rawValue))
        XCTAssertEqual(events.filter { $0 == AuditEvent.configReloaded.rawValue }.count, 3)
        XCTAssertEqual(oldPartner.inboxFiles().count + newPartner.inboxFiles().count, accepted.count)
        try await gateway.stop()
        await oldPartner.stop()
        await newPartner.stop()
    }

    func testACertificateReplacedUnderTheSameFileNameIsPickedUpByReload() async throws {
        let pki = try GatewayTestPKI.get()
        let files = FileManager.default.temporaryDirectory.appendingPathComponent("kp-in-place-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: files, withIntermediateDirectories: true)
        let (certificate, key) = (files + "/intake.pem", files + "/intake-key.pem")
        try FileManager.default.copyItem(atPath: pki.path("gateway-tls.pem"), toPath: certificate)
        try FileManager.default.copyItem(atPath: pki.path("gateway-tls-key.pem"), toPath: key)
        let gateway = try await ReloadableGateway.start({ configuration in
            configuration.intake.tls.certificate = certificate
            configuration.intake.tls.privateKey = key
        }, partners: [partner: "https://localhost:9/v1/berichten"])
        do {
            XCTAssertEqual(try presentedCertificate(port: gateway.port), try fingerprint(pki.path("gateway-tls.pem")))
            let unchanged = await gateway.gateway.reload(configurationFile: gateway.file)
            XCTAssertEqual(unchanged.changes, [], "\(unchanged)")
            // The operator overwrites the files (as a renewal script does); the configuration file stays as it is.
            let renewed = try GatewayTestPKI.get().authority.issue(.tls(subject: try subject("gateway", purpose: "TLS"), keyType: .p256))
            try renewed.write(certificateTo: certificate, keyTo: key)
            let outcome = await gateway.gateway.reload(configurationFile: gateway.file)
            XCTAssertEqual(outcome.changes, ["intake-tls"], "\(outcome)")
            XCTAssertEqual(try presentedCertificate(port: gateway.port), try fingerprint(certificate))
            XCTAssertNotEqual(try fingerprint(certificate), try fingerprint(pki.path("gateway-tls.pem")))
        } catch {
            XCTFail("\(error)")
        }
        try await gateway.stop()
    }

    private func subject(_ party: String, purpose: String) throws -> SubjectName {
        guard let entry = DevelopmentParty.all.first(where: { $0.name == party }) else { throw HarnessError("no party \(party)") }
        return entry.subject(purpose: purpose)
    }

    /// Issues a certificate from the development CA into `directory`.
    private func issue(_ spec: CertificateSpec, in directory: String, name: String) throws -> (certificate: String, key: String) {
        let issued = try GatewayTestPKI.get().authority.issue(spec)
        let files = (certificate: directory + "/\(name).pem", key: directory + "/\(name)-key.pem")
        try issued.write(certificateTo: files.certificate, keyTo: files.key)
        return files
    }

    /// The partner's reference endpoint signing receipts with another key.
    private func startPartner(receiptSigning: (certificate: String, key: String)) async throws -> RunningPartnerEndpoint {
        let pki = try GatewayTestPKI.get()
        guard let entry = pki.manifest.party(named: partner) else { throw HarnessError("no party \(partner)") }
        let inbox = FileManager.default.temporaryDirectory.appendingPathComponent("kp-inbox-\(UUID().uuidString)").path
        var configuration = try PartnerEndpointConfiguration.development(pki: pki, party: entry, host: "127.0.0.1", port: 0, inbox: inbox)
        configuration.receiptSigning.certificate = receiptSigning.certificate
        configuration.receiptSigning.privateKey = receiptSigning.key
        let endpoint = try PartnerEndpoint(configuration: configuration, logger: CapturedLogs().logger(label: partner))
        let task = Task { try await endpoint.run() }
        return RunningPartnerEndpoint(task: task, port: try await endpoint.boundPort.wait(), inbox: inbox)
    }

    /// The SHA-256 fingerprint of the certificate a new TLS connection to `port` is shown, as `openssl` reports it.
    private func presentedCertificate(port: Int) throws -> String {
        let client = try GatewayTestPKI.tls(try GatewayTestPKI.get(), "politie-rotterdam")
        let shown = try shell("openssl s_client -connect 127.0.0.1:\(port) -servername localhost -cert '\(client.certificate)' "
            + "-key '\(client.privateKey)' </dev/null 2>/dev/null | openssl x509 -noout -fingerprint -sha256")
        return shown
    }

    private func fingerprint(_ file: String) throws -> String {
        try shell("openssl x509 -noout -fingerprint -sha256 -in '\(file)'")
    }

    private func shell(_ command: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard process.terminationStatus == 0, !text.isEmpty else { throw HarnessError("`\(command)` failed: \(text)") }
        return text
    }
}

/// A reference partner endpoint started with a changed configuration.
final class RunningPartnerEndpoint: Sendable {
    let task: Task<Void, any Error>
    let port: Int
    let inbox: String

    init(task: Task<Void, any Error>, port: Int, inbox: String) {
        self.task = task
        self.port = port
        self.inbox = inbox
    }

    var url: String { "https://localhost:\(port)/v1/berichten" }

    func inboxFiles() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: inbox)) ?? []).filter { $0.hasSuffix(".xml") }
    }

    func stop() async {
        task.cancel()
        _ = await task.result
    }
}

/// Senders submitting zorgmeldingen until stopped; each opens a new connection every few messages, so connections
/// made before and after a certificate rotation both carry traffic.
final class IntakeLoad: Sendable {
    private let port: Int
    private let client: TLSFiles
    private let state = NIOLockedValueBox((accepted: [String](), problems: [String](), stopped: false))

    init(port: Int, client: TLSFiles) {
        self.port = port
        self.client = client
    }

    /// The ids answered 202.
    var accepted: [String] { state.withLockedValue { $0.accepted } }
    /// Every other answer or error.
    var problems: [String] { state.withLockedValue { $0.problems } }

    func stop() {
        state.withLockedValue { $0.stopped = true }
    }

    /// One sender: posts until stopped, a fresh client (and connection) every three messages.
    func run() async {
        while !state.withLockedValue({ $0.stopped }) {
            guard let intake = try? IntakeClient(tls: client) else {
                state.withLockedValue { $0.problems.append("client not made") }
                return
            }
            for _ in 0..<3 {
                let id = UUID().uuidString.lowercased()
                do {
                    let answer = try await intake.post(try GatewayExamples.zorgmelding(id: id), port: port)
                    state.withLockedValue { answer.status == 202 ? $0.accepted.append(id) : $0.problems.append("\(answer.status) \(answer.body)") }
                } catch {
                    state.withLockedValue { $0.problems.append("\(error)") }
                }
            }
            await intake.shutdown()
        }
    }
}
