import Foundation
import KetenpoortServer
import XCTest

/// A gateway configured to sign with its TLS certificate would have every message refused by the partners (KP-G012):
/// `config check` and start-up refuse it.
final class SigningCertificateCheckTests: XCTestCase {
    func testTheTLSCertificateIsRefusedAsTheSigningCertificate() throws {
        let pki = try GatewayTestPKI.get()
        var configuration = try RunningGateway.makeConfiguration(
            partners: ["shn": "https://localhost:9/v1/berichten"], stateDirectory: nil,
            retry: .init(initialDelaySeconds: 0.3, maxDelaySeconds: 1, maxAgeHours: 1, jitter: 0.1))
        XCTAssertFalse(ConfigurationCheck(configuration).problems.contains { $0.key == "signing.certificate" })
        let gateway = try XCTUnwrap(pki.manifest.party(named: "gateway"))
        configuration.signing = .init(certificate: pki.path(gateway.tlsCertificate), privateKey: pki.path(gateway.tlsKey))
        let check = ConfigurationCheck(configuration)
        XCTAssertTrue(check.problems.contains { $0.key == "signing.certificate" && $0.problem.contains("document-signing") },
                      check.problems.map(\.description).joined(separator: "\n"))
        XCTAssertThrowsError(try Gateway(configuration: configuration, logger: CapturedLogs().logger()))
    }
}
