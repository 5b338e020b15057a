import Crypto
import Foundation
import KetenpoortStore
import XCTest

/// `config check`, `certs check`, `audit checkpoint` and `bench xml` with the signing key in a SoftHSM2 token (`signing.pkcs11`).
final class Pkcs11ConfigCheckTests: XCTestCase {
    /// A SoftHSM directory with tokens made by scripts/softhsm-test-token, and the example configuration per token.
    private struct Setup {
        let directory: String
        /// The configuration with `signing.pkcs11` naming `token` and `pinFile`.
        func configuration(token: String, pinFile: String? = nil) throws -> String {
            let pki = try PipelineFixture.pki.get()
            let example = try String(contentsOf: PipelineFixture.repository.appendingPathComponent("Examples/config/gateway.yaml"), encoding: .utf8)
            let original = "  privateKey: ../../dev-pki/gateway-sign-key.pem"
            XCTAssertTrue(example.contains(original), "the example names the signing key file")
            let pkcs11 = """
                  pkcs11:
                    module: /usr/lib/softhsm/libsofthsm2.so
                    token: \(token)
                    key: signing
                    pinFile: \(pinFile ?? directory + "/\(token).pin")
                """
            let config = example.replacingOccurrences(of: original, with: pkcs11)
                .replacingOccurrences(of: "../../dev-pki/", with: pki.directory + "/")
                .replacingOccurrences(of: "../routing/", with: PipelineFixture.repository.path + "/Examples/routing/")
                .replacingOccurrences(of: "stateDirectory: ../../state", with: "stateDirectory: \(directory)/state-\(token)")
            let file = directory + "/gateway-\(token).yaml"
            try config.write(toFile: file, atomically: true, encoding: .utf8)
            return file
        }
    }

    private func setUpTokens() throws -> Setup {
        let pki = try PipelineFixture.pki.get()
        let directory = NSTemporaryDirectory() + "kp-cli-softhsm-" + UUID().uuidString
        addTeardownBlock { try? FileManager.default.removeItem(atPath: directory) }
        // The ketenpoort processes inherit SoftHSM's configuration from this one.
        setenv("SOFTHSM2_CONF", directory + "/softhsm2.conf", 1)
        for (token, key) in [("kp-good", "gateway-sign-key.pem"), ("kp-other", "shn-sign-key.pem")] {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/bash")
            process.arguments = [PipelineFixture.repository.appendingPathComponent("scripts/softhsm-test-token").path,
                                 "--dir", directory, "--token", token, "--key-label", "signing", "--import", pki.directory + "/" + key]
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            XCTAssertEqual(process.terminationStatus, 0, "scripts/softhsm-test-token (is softhsm2 installed? scripts/install-deps)")
        }
        try Data("not-the-pin\n".utf8).write(to: URL(fileURLWithPath: directory + "/wrong.pin"))
        return Setup(directory: directory)
    }

    private func errors(_ result: CLIResult) -> [String] {
        result.stdout.split(separator: "\n").map(String.init).filter { $0.contains(": error: ") }
    }

    func testConfigCheckReportsAMissingTokenAWrongPINAndAnotherKey() async throws {
        let setup = try setUpTokens()
        let good = try await CLIRunner.run(["config", "check", try setup.configuration(token: "kp-good")])
        XCTAssertFalse(errors(good).contains { $0.contains("signing") }, good.stdout + good.stderr)
        for (file, key, words) in [
            (try setup.configuration(token: "kp-absent", pinFile: setup.directory + "/kp-good.pin"), "signing.pkcs11.token", "no PKCS#11 token labelled 'kp-absent'"),
            (try setup.configuration(token: "kp-good", pinFile: setup.directory + "/wrong.pin"), "signing.pkcs11.pinFile", "wrong PIN"),
            (try setup.configuration(token: "kp-other"), "signing.certificate", "does not belong to the signing certificate"),
        ] {
            let result = try await CLIRunner.run(["config", "check", file])
            assertExit(result, 1)
            let signing = errors(result).filter { $0.contains(": error: signing") }
            XCTAssertEqual(signing.count, 1, result.stdout)
            XCTAssertTrue(signing.first?.contains("error: \(key): ") == true, result.stdout)
            XCTAssertTrue(signing.first?.contains(words) == true, result.stdout)
            XCTAssertFalse(result.stdout.contains("not-the-pin"), "the PIN is never printed")
        }
    }

    func testCertsCheckReportsTheTokenNextToTheCertificates() async throws {
        let setup = try setUpTokens()
        let good = try await CLIRunner.run(["certs", "check", "--config", try setup.configuration(token: "kp-good"), "--json"])
        assertExit(good, 0)
        let rows = try XCTUnwrap(try good.object()["certificates"] as? [[String: Any]])
        let token = try XCTUnwrap(rows.first { $0["role"] as? String == "own: signing key in token" })
        XCTAssertNil(token["problem"] as? String)
        XCTAssertTrue((token["file"] as? String)?.contains("token=kp-good") == true)

        let wrong = try await CLIRunner.run(["certs", "check", "--config",
                                             try setup.configuration(token: "kp-good", pinFile: setup.directory + "/wrong.pin")])
        assertExit(wrong, 1)
        XCTAssertTrue(wrong.stdout.contains("the PIN does not open token 'kp-good' (wrong PIN)"), wrong.stdout)
        let other = try await CLIRunner.run(["certs", "check", "--config", try setup.configuration(token: "kp-other")])
        assertExit(other, 1)
        XCTAssertTrue(other.stdout.contains("does not belong to the signing certificate"), other.stdout)
    }

    func testBenchXMLReportsSigningThroughTheTokenNextToTheKeyFile() async throws {
        let setup = try setUpTokens()
        let result = try await CLIRunner.run(["xml", "--seconds", "0.2", "--json", "--config", try setup.configuration(token: "kp-good")], program: "ketenpoort-bench")
        assertExit(result, 0)
        let rows = try XCTUnwrap(try result.object()["rows"] as? [[String: Any]])
        let rates = Dictionary(rows.compactMap { row in (row["name"] as? String).map { ($0, row["rate"] as? Double ?? 0) } },
                               uniquingKeysWith: { first, _ in first })
        let token = try XCTUnwrap(rates.first { $0.key.hasPrefix("sign ") && $0.key.contains("token key") })
        XCTAssertGreaterThan(token.value, 0)
        XCTAssertGreaterThan(try XCTUnwrap(rates.first { $0.key.hasPrefix("checkpoint signature") && $0.key.hasSuffix("token key") }).value, 0)
        XCTAssertGreaterThan(try XCTUnwrap(rates.first { $0.key.hasPrefix("checkpoint signature") && $0.key.hasSuffix("key file") }).value, 0)
    }

    func testAuditCheckpointSignsThroughTheTokenAndAuditVerifyAcceptsIt() async throws {
        let setup = try setUpTokens()
        let file = try setup.configuration(token: "kp-good")
        let store = try SQLiteStore.open(stateDirectory: setup.directory + "/state-kp-good")
        for index in 0..<2 {
            let body = Data("<Zorgmelding id=\"M-\(index)\"/>".utf8)
            let now = Date()
            _ = try await store.accept(IncomingMessage(id: "M-\(index)", kind: "Zorgmelding", senderOIN: "00000099000000000001",
                                                       digest: Data(SHA256.hash(data: body)), receivedAt: now, signedAt: now, urgent: false,
                                                       payload: body, retentionDeadline: now.addingTimeInterval(86_400)),
                                       recipients: ["SHN"])
        }
        try store.close()
        let signed = try await CLIRunner.run(["audit", "checkpoint", "--config", file])
        assertExit(signed, 0)
        XCTAssertTrue(signed.stdout.contains("checkpoint 1: record 4 signed"), signed.stdout + signed.stderr)
        let verified = try await CLIRunner.run(["audit", "verify", "--config", file])
        assertExit(verified, 0)
        XCTAssertTrue(verified.stdout.contains("1 checkpoint"), verified.stdout + verified.stderr)
    }
}
