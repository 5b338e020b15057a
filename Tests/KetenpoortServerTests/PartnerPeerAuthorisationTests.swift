import Foundation
import KetenpoortServer
import KetenpoortXML
import NIOSSL
import XCTest

/// Only the configured gateway may deliver to a partner endpoint; any other certificate under the same CA is refused
/// before the body is read.
final class PartnerPeerAuthorisationTests: XCTestCase {
    private func signedReferral() throws -> Data {
        try PartnerTestPKI.signer("gateway").sign(try PartnerFixtures.referral())
    }

    func testAnotherOrganisationsCertificateGets403AndNothingIsStored() async throws {
        let logs = CapturedLogs()
        try await withEndpoint(try shnConfiguration(), logs: logs) { endpoint, port in
            let police = try TLSPolicy.client(try PartnerTestPKI.tlsFiles("politie-rotterdam"))
            let answer = try await post(try signedReferral(), port: port, tls: police)
            XCTAssertEqual(answer.status, 403)
            XCTAssertNil(FileManager.default.contents(atPath: endpoint.inboxFile(forMessageId: PartnerFixtures.referralId)))
            XCTAssertTrue(logs.lines.contains { $0.contains("reason=client-not-allowed") })
            // The gateway itself is still served.
            let delivered = try await postAsGateway(try signedReferral(), port: port)
            XCTAssertEqual(delivered.status, 200)
        }
    }

    func testClientOINsNarrowWhoMayDeliver() async throws {
        var configuration = try shnConfiguration()
        let pki = try PartnerTestPKI.get()
        configuration.gateway.clientOINs = [try XCTUnwrap(pki.manifest.party(named: "politie-amsterdam")).oin]
        try await withEndpoint(configuration) { _, port in
            let answer = try await postAsGateway(try signedReferral(), port: port)
            XCTAssertEqual(answer.status, 403, "the gateway's OIN is not in clientOINs")
        }
    }
}
