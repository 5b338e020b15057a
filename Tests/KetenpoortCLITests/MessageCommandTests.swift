import Foundation
import KetenpoortPKI
import XCTest

/// `ketenpoort sign`, `verify` and `validate` as an operator runs them: signer purpose, expected OIN, hostile markup.
final class MessageCommandTests: XCTestCase {
    private func example(_ name: String) -> String {
        PipelineFixture.repository.appendingPathComponent("Examples/valid/" + name).path
    }

    private func signed(key: String, cert: String) async throws -> String {
        let pki = try PipelineFixture.pki.get()
        let output = NSTemporaryDirectory() + "kp-signed-\(UUID().uuidString).xml"
        let result = try await CLIRunner.run(["sign", "--key", pki.path(key), "--cert", pki.path(cert),
                                              example("zorgmelding-rotterdam-kind.xml"), "-o", output])
        assertExit(result, 0)
        return output
    }

    func testVerifyRequiresTheExpectedOIN() async throws {
        let pki = try PipelineFixture.pki.get()
        let file = try await signed(key: "gateway-sign-key.pem", cert: "gateway-sign.pem")
        let ca = pki.path(DevelopmentPKI.caCertificateFile)
        assertExit(try await CLIRunner.run(["verify", "--trust", ca, "--expect-oin", DevelopmentParty.gateway.oin, file]), 0)
        let other = try await CLIRunner.run(["verify", "--trust", ca, "--expect-oin", "00000099000000000101", file])
        assertExit(other, 1)
        XCTAssertTrue(other.stdout.contains("KP-G010"), other.stdout)
        assertExit(try await CLIRunner.run(["verify", "--trust", ca, "--expect-oin", "12345", file]), 2)  // usage error
    }

    func testVerifyRefusesASignatureMadeWithATLSCertificate() async throws {
        let pki = try PipelineFixture.pki.get()
        let file = try await signed(key: "gateway-tls-key.pem", cert: "gateway-tls.pem")
        let result = try await CLIRunner.run(["verify", "--trust", pki.path(DevelopmentPKI.caCertificateFile), file])
        assertExit(result, 1)
        XCTAssertTrue(result.stdout.contains("KP-G012"), result.stdout)
    }

    func testValidateRefusesForwardedHazards() async throws {
        let text = try String(contentsOfFile: example("zorgmelding-rotterdam-kind.xml"), encoding: .utf8)
        let hazards = [
            ("KP-X012", text.replacingOccurrences(of: "<kop:BSN>999990019</kop:BSN>", with: "<kop:BSN>9999<!--x-->90019</kop:BSN>")),
            ("KP-X013", text.replacingOccurrences(of: "?>\n<Zorgmelding", with: "?>\n<?xml-stylesheet href=\"http://127.0.0.1:9/x\"?>\n<Zorgmelding")),
            ("KP-X014", text.replacingOccurrences(of: "<?xml version=\"1.0\"", with: "<?xml version=\"1.1\"")),
            ("KP-X015", text.replacingOccurrences(of: "<Zorgmelding xmlns=", with: "<Zorgmelding xmlns:r=\"relative/ns\" xmlns=")),
        ]
        for (code, hazard) in hazards {
            XCTAssertNotEqual(hazard, text, code)
            let file = NSTemporaryDirectory() + "kp-hazard-\(UUID().uuidString).xml"
            try Data(hazard.utf8).write(to: URL(fileURLWithPath: file))
            let result = try await CLIRunner.run(["validate", file])
            assertExit(result, 1)
            XCTAssertTrue(result.stdout.contains(code), "\(code): \(result.stdout)")
        }
    }
}
