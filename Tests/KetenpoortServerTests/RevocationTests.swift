import Foundation
#if canImport(Glibc)
import Glibc
#endif
import KetenpoortPKI
import KetenpoortServer
import KetenpoortStore
import Logging
import XCTest

/// Revocation lists made by the real `openssl ca`: parsed and verified, checked per request at intake (so a kept-alive
/// or resumed TLS session does not outlive a revocation), reloaded without a restart, and reported by `config check`.
final class RevocationTests: XCTestCase {
    /// An `openssl ca` working directory for the gateway tests' development CA.
    private final class TestCRLAuthority {
        let directory: String
        let pki: DevelopmentPKI

        init(pki: DevelopmentPKI) throws {
            self.pki = pki
            directory = (NSTemporaryDirectory() as NSString).appendingPathComponent("kp-crl-\(UUID().uuidString)")
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            _ = FileManager.default.createFile(atPath: directory + "/index.txt", contents: Data())
            try "01\n".write(toFile: directory + "/crlnumber", atomically: true, encoding: .utf8)
            try "[ ca ]\ndefault_ca = kp\n[ kp ]\ndatabase = index.txt\ncrlnumber = crlnumber\ndefault_md = sha256\ndefault_crl_days = 7\n"
                .write(toFile: directory + "/ca.cnf", atomically: true, encoding: .utf8)
        }

        var crlFile: String { directory + "/crl.pem" }

        func revoke(_ certificateFile: String) throws {
            try openssl(["ca", "-config", "ca.cnf", "-keyfile", pki.path(DevelopmentPKI.caKeyFile), "-cert",
                         pki.path(DevelopmentPKI.caCertificateFile), "-revoke", certificateFile])
        }

        /// Writes a fresh list (atomically, as an operator's refresh job should).
        func publish() throws {
            try openssl(["ca", "-config", "ca.cnf", "-keyfile", pki.path(DevelopmentPKI.caKeyFile), "-cert",
                         pki.path(DevelopmentPKI.caCertificateFile), "-gencrl", "-out", "next.pem"])
            guard rename(directory + "/next.pem", crlFile) == 0 else { throw HarnessError("rename failed: \(errno)") }
        }

        private func openssl(_ arguments: [String]) throws {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
            process.arguments = arguments
            process.currentDirectoryURL = URL(fileURLWithPath: directory)
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = pipe
            try process.run()
            let output = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else {
                throw HarnessError("openssl \(arguments.joined(separator: " ")): \(String(decoding: output, as: UTF8.self))")
            }
        }
    }

    func testAListFromOpenSSLIsParsedVerifiedAndRevokesExactlyTheListedCertificate() throws {
        let pki = try GatewayTestPKI.get()
        let authority = try TestCRLAuthority(pki: pki)
        let rotterdam = try XCTUnwrap(pki.manifest.party(named: "politie-rotterdam"))
        let amsterdam = try XCTUnwrap(pki.manifest.party(named: "politie-amsterdam"))
        try authority.revoke(pki.path(rotterdam.tlsCertificate))
        try authority.publish()
        let list = try XCTUnwrap(try RevocationList.load(file: authority.crlFile).first)
        XCTAssertEqual(list.revokedSerials.count, 1)
        let ca = try CertificateInfo.loadBundle(file: pki.path(DevelopmentPKI.caCertificateFile))[0].certificate
        XCTAssertTrue(list.isSigned(by: ca))
        let other = try CertificateInfo.loadBundle(file: pki.path(rotterdam.tlsCertificate))[0].certificate
        XCTAssertFalse(list.isSigned(by: other), "a list is verified against its issuer only")
        XCTAssertTrue(list.revokes(try CertificateInfo.loadBundle(file: pki.path(rotterdam.tlsCertificate))[0].certificate))
        XCTAssertFalse(list.revokes(try CertificateInfo.loadBundle(file: pki.path(amsterdam.tlsCertificate))[0].certificate))
        XCTAssertFalse(list.isStale(at: Date()))
        XCTAssertTrue(list.isStale(at: Date().addingTimeInterval(8 * 86_400)))
        // A list that is not signed by a trusted CA is refused at load.
        XCTAssertThrowsError(try RevocationChecker(files: [authority.crlFile], trustedCAFiles: [pki.path(rotterdam.tlsCertificate)],
                                                   logger: Logger(label: "test")))
    }

    func testIntakeRefusesARevokedClientOnTheSameConnectionOnceTheListIsRefreshedWithoutRestart() async throws {
        let pki = try GatewayTestPKI.get()
        let authority = try TestCRLAuthority(pki: pki)
        try authority.publish()
        let state = (NSTemporaryDirectory() as NSString).appendingPathComponent("kp-gw-state-\(UUID().uuidString)")
        var configuration = try RunningGateway.makeConfiguration(
            partners: ["vt-rotterdam-rijnmond": "https://localhost:9/v1/berichten"], stateDirectory: state,
            retry: .init(initialDelaySeconds: 0.3, maxDelaySeconds: 1, maxAgeHours: 1, jitter: 0.1))
        configuration.revocation = .init(crlFiles: [authority.crlFile], refreshSeconds: 0.05)
        let logs = CapturedLogs()
        let gateway = try Gateway(configuration: configuration, logger: logs.logger(label: "gateway"))
        let task = Task { try await gateway.run(handleSignals: false) }
        let port = try await gateway.intakePort.wait()
        let rotterdamFiles = try GatewayTestPKI.tls(pki, "politie-rotterdam")
        let client = try IntakeClient(tls: rotterdamFiles)
        let first = try await client.post(try GatewayExamples.zorgmelding(), port: port)
        XCTAssertEqual(first.status, 202, first.body)

        try authority.revoke(rotterdamFiles.certificate)
        try authority.publish()
        var status = 0
        var body = ""
        let deadline = Date().addingTimeInterval(15)
        while Date() < deadline {
            (status, body) = try await client.post(try GatewayExamples.zorgmelding(), port: port)
            if status != 202 { break }
            try await Task.sleep(for: .milliseconds(60))
        }
        XCTAssertEqual(status, 403, "the revoked client is refused on its kept-alive connection")
        XCTAssertTrue(body.contains("revoked"), body)
        XCTAssertTrue(logs.lines.contains { $0.contains("revocation lists reloaded") })
        // Another sender is unaffected.
        let amsterdam = try IntakeClient(tls: GatewayTestPKI.tls(pki, "politie-amsterdam"))
        let other = try await amsterdam.post(try GatewayExamples.zorgmelding(), port: port)
        XCTAssertFalse(other.body.contains("revoked"), other.body)
        // /metrics says how long the loaded list stays current (7 days from now, as published), so it can alert in time.
        let metrics = try await adminText(port: try await gateway.adminPort.wait(), path: "/metrics")
        let line = try XCTUnwrap(metrics.split(separator: "\n").first { $0.hasPrefix("ketenpoort_revocation_list_next_update_seconds{issuer=") },
                                 metrics)
        let seconds = try XCTUnwrap(Double(line.split(separator: " ").last ?? ""))
        XCTAssertGreaterThan(seconds, 6 * 86_400, String(line))
        XCTAssertLessThanOrEqual(seconds, 7 * 86_400, String(line))
        await amsterdam.shutdown()
        await client.shutdown()
        await gateway.stop()
        _ = try? await task.value
    }

    func testAReceiptSignedWithARevokedPartnerCertificateIsNotAcceptedAndTheDeliveryIsRetried() async throws {
        let pki = try GatewayTestPKI.get()
        let authority = try TestCRLAuthority(pki: pki)
        let party = try XCTUnwrap(pki.manifest.party(named: "vt-rotterdam-rijnmond"))
        try authority.revoke(pki.path(party.signingCertificate))
        try authority.publish()
        let partner = try await RunningPartner.start("vt-rotterdam-rijnmond")
        var configuration = try RunningGateway.makeConfiguration(
            partners: ["vt-rotterdam-rijnmond": partner.url], stateDirectory: nil,
            retry: .init(initialDelaySeconds: 60, maxDelaySeconds: 60, maxAgeHours: 1, jitter: 0))
        configuration.revocation = .init(crlFiles: [authority.crlFile])
        let check = ConfigurationCheck(configuration)
        XCTAssertTrue(check.problems.isEmpty, "a partner's revoked certificate is a warning, not a reason to stop: \(check.problems)")
        XCTAssertTrue(check.warnings.contains { $0.key == "partners[0].signingCertificates[0]" }, "\(check.warnings)")
        let gateway = try Gateway(configuration: configuration, logger: CapturedLogs().logger(label: "gateway"))
        let task = Task { try await gateway.run(handleSignals: false) }
        let port = try await gateway.intakePort.wait()
        let client = try IntakeClient(tls: GatewayTestPKI.tls(pki, "politie-rotterdam"))
        let id = UUID().uuidString.lowercased()
        let posted = try await client.post(try GatewayExamples.zorgmelding(id: id), port: port)
        XCTAssertEqual(posted.status, 202, posted.body)
        try await eventually { try await gateway.store.status(messageId: id)?.deliveries.first?.state == .deferred }
        let delivery = try await gateway.store.status(messageId: id)?.deliveries.first
        XCTAssertEqual(delivery?.lastErrorClass?.rawValue, "receipt-invalid")
        await client.shutdown()
        await gateway.stop()
        _ = try? await task.value
        await partner.stop()
    }

    func testConfigCheckReportsARevokedConfiguredCertificateAndAStaleList() throws {
        let pki = try GatewayTestPKI.get()
        let authority = try TestCRLAuthority(pki: pki)
        var configuration = try RunningGateway.makeConfiguration(
            partners: ["shn": "https://localhost:9/v1/berichten"], stateDirectory: nil,
            retry: .init(initialDelaySeconds: 0.3, maxDelaySeconds: 1, maxAgeHours: 1, jitter: 0.1))
        try authority.revoke(configuration.signing.certificate)
        try authority.publish()
        configuration.revocation = .init(crlFiles: [authority.crlFile])
        let now = ConfigurationCheck(configuration)
        XCTAssertTrue(now.problems.contains { $0.key == "signing.certificate" && "\($0)".contains("revoked") }, "\(now.problems)")
        let later = ConfigurationCheck.revocationFindings(configuration, now: Date().addingTimeInterval(8 * 86_400))
        XCTAssertTrue(later.warnings.contains { "\($0)".contains("refresh it") }, "\(later.warnings)")
    }
}
