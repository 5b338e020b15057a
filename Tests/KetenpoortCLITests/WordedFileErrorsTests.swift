import Foundation
import KetenpoortPKI
import XCTest

/// A wrong file given to a command is named and explained in words: no parser dumps (ASN1Error, BoringSSL) and
/// no build-machine source paths, and a key that does not belong to its certificate is refused.
final class WordedFileErrorsTests: XCTestCase {
    private func example() -> String {
        PipelineFixture.repository.appendingPathComponent("Examples/valid/zorgmelding-rotterdam-kind.xml").path
    }

    private func temporaryFile(_ bytes: [UInt8]) throws -> String {
        let path = NSTemporaryDirectory() + "kp-worded-\(UUID().uuidString)"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    /// Asserts the message is in words: none of the internal error forms or source locations.
    private func assertWorded(_ text: String, file: StaticString = #filePath, line: UInt = #line) {
        for marker in ["ASN1Error", "PEMDocument", ".swift:", "BoringSSL", "NIOSSLError", "failedToLoadPrivateKey", ".cc:"] {
            XCTAssertFalse(text.contains(marker), "\(marker) in: \(text)", file: file, line: line)
        }
    }

    func testVerifyNamesATrustFileThatHoldsNoCertificate() async throws {
        let notPEM = try temporaryFile(Array("just a host name\n".utf8))
        let result = try await CLIRunner.run(["verify", "--trust", notPEM, example()])
        assertExit(result, 2)
        XCTAssertTrue(result.stderr.contains(notPEM) && result.stderr.contains("not PEM"), result.stderr)
        assertWorded(result.stderr)
    }

    func testSignRefusesACertificateGivenAsKeyAndAKeyOfAnotherCertificate() async throws {
        let pki = try PipelineFixture.pki.get()
        let certificate = pki.path("gateway-sign.pem")
        let certAsKey = try await CLIRunner.run(["sign", "--key", certificate, "--cert", certificate, example()])
        assertExit(certAsKey, 2)
        XCTAssertTrue(certAsKey.stderr.contains("\(certificate): not a valid private key: holds a 'CERTIFICATE' block"), certAsKey.stderr)
        assertWorded(certAsKey.stderr)

        let otherKey = pki.path("shn-sign-key.pem")
        let mismatched = try await CLIRunner.run(["sign", "--key", otherKey, "--cert", certificate, example()])
        assertExit(mismatched, 2)
        XCTAssertTrue(mismatched.stderr.contains("\(otherKey) is not the private key of \(certificate)"), mismatched.stderr)
        XCTAssertTrue(mismatched.stdout.isEmpty, "nothing signed: \(mismatched.stdout.prefix(200))")
    }

    func testSubmitSaysWhenTheTLSKeyIsNotTheCertificates() async throws {
        let pki = try PipelineFixture.pki.get()
        let result = try await CLIRunner.run(["submit", example(), "--url", "https://localhost:1/v1/berichten",
                                              "--cert", pki.path("politie-rotterdam-tls.pem"), "--key", pki.path("shn-tls-key.pem"),
                                              "--ca", pki.path(DevelopmentPKI.caCertificateFile)])
        assertExit(result, 2)
        XCTAssertTrue(result.stderr.contains("the private key does not belong to the certificate"), result.stderr)
        assertWorded(result.stderr)
    }

    func testUnreadableFilesSayWhy() async throws {
        let missing = NSTemporaryDirectory() + "kp-missing-\(UUID().uuidString).xml"
        let validate = try await CLIRunner.run(["validate", missing])
        assertExit(validate, 2)
        XCTAssertTrue((validate.stdout + validate.stderr).contains("no such file"), validate.stdout + validate.stderr)
        let directory = try await CLIRunner.run(["validate", NSTemporaryDirectory()])
        XCTAssertTrue((directory.stdout + directory.stderr).contains("directory"), directory.stdout + directory.stderr)
    }

    func testAuditVerifyAndConfigCheckDescribeBadPEMInWords() async throws {
        let (directory, _) = try makeStore(self)
        let binary = try temporaryFile([0x7F, 0x45, 0x4C, 0x46, 0x02, 0x01, 0x01, 0x00, 0xFF, 0x00])
        let audit = try await CLIRunner.run(["audit", "verify", "--state-dir", directory, "--cert", binary])
        assertExit(audit, 2)
        XCTAssertTrue(audit.stderr.contains(binary), audit.stderr)
        assertWorded(audit.stderr)

        let pki = try PipelineFixture.pki.get()
        let damaged = try temporaryFile(Array("-----BEGIN PRIVATE KEY-----\nMIIE*not base64*\n-----END PRIVATE KEY-----\n".utf8))
        let config = try String(contentsOf: PipelineFixture.repository.appendingPathComponent("Examples/config/gateway.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "../../dev-pki/gateway-sign-key.pem", with: damaged)
            .replacingOccurrences(of: "../../dev-pki/", with: pki.directory + "/")
            .replacingOccurrences(of: "../../state", with: directory)
            .replacingOccurrences(of: "../routing/", with: PipelineFixture.repository.appendingPathComponent("Examples/routing").path + "/")
        let file = NSTemporaryDirectory() + "kp-worded-\(UUID().uuidString).yaml"
        try config.write(toFile: file, atomically: true, encoding: .utf8)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: file) }
        let check = try await CLIRunner.run(["config", "check", file])
        assertExit(check, 1)
        let output = check.stdout + check.stderr
        XCTAssertTrue(output.contains("\(damaged): not a valid private key: the PEM block is damaged"), output)
        assertWorded(output)
    }
}
