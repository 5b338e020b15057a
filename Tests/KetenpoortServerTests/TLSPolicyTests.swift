import Foundation
import KetenpoortServer
import NIOSSL
import XCTest

final class TLSPolicyTests: XCTestCase {
    func testPolicyAllowsOnlyModernProtocolsAndSuites() throws {
        let server = try TLSPolicy.server(try PartnerTestPKI.tlsFiles("shn"))
        let client = try TLSPolicy.client(try PartnerTestPKI.tlsFiles("gateway"))
        for configuration in [server, client] {
            XCTAssertEqual(configuration.minimumTLSVersion, .tlsv12)
            XCTAssertEqual(configuration.cipherSuiteValues.count, TLSPolicy.tls12CipherSuites.count)
            XCTAssertTrue(configuration.cipherSuites.split(separator: ":").allSatisfy {
                $0.hasPrefix("TLS_ECDHE_") && ($0.contains("GCM") || $0.contains("CHACHA20"))
            }, configuration.cipherSuites)
        }
        guard case .noHostnameVerification = server.certificateVerification else {
            return XCTFail("the server must verify client certificates")
        }
        guard case .fullVerification = client.certificateVerification else {
            return XCTFail("the client must verify the server fully")
        }
    }

    func testErrorsNameTheFile() throws {
        var files = try PartnerTestPKI.tlsFiles("shn")
        files.certificate = "/nonexistent/partner-cert.pem"
        XCTAssertThrowsError(try TLSPolicy.server(files)) { error in
            XCTAssertTrue("\(error)".contains("/nonexistent/partner-cert.pem"), "\(error)")
        }
        files = try PartnerTestPKI.tlsFiles("shn")
        files.privateKey = files.certificate
        XCTAssertThrowsError(try TLSPolicy.client(files)) { error in
            XCTAssertTrue("\(error)".contains(files.certificate), "\(error)")
        }
        files = try PartnerTestPKI.tlsFiles("shn")
        files.privateKey = try PartnerTestPKI.get().path("om-tls-key.pem")
        XCTAssertThrowsError(try TLSPolicy.server(files)) { error in
            XCTAssertTrue("\(error)".contains("om-tls-key.pem"), "\(error)")
        }
    }

    func testClientWithoutCertificateIsRefused() async throws {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .file(try PartnerTestPKI.get().path("ca.pem"))
        let message = try PartnerTestPKI.signer("gateway").sign(try PartnerFixtures.referral())
        try await withEndpoint(try shnConfiguration()) { _, port in
            do {
                let answer = try await post(message, port: port, tls: tls, connectTimeout: .seconds(3))
                XCTFail("connection without client certificate answered \(answer.status)")
            } catch {}
        }
    }

    func testClientCertificateFromUntrustedCAIsRefused() async throws {
        let rogue = try PartnerTestPKI.untrustedClient.get()
        let message = try PartnerTestPKI.signer("gateway").sign(try PartnerFixtures.referral())
        try await withEndpoint(try shnConfiguration()) { _, port in
            do {
                let answer = try await post(message, port: port, tls: try TLSPolicy.client(rogue), connectTimeout: .seconds(3))
                XCTFail("connection with an untrusted client certificate answered \(answer.status)")
            } catch {}
        }
    }

    func testClientRefusesServerFromUntrustedCA() async throws {
        // A client that trusts only another CA must refuse the partner's server certificate.
        var files = try PartnerTestPKI.tlsFiles("gateway")
        files.trustedCAs = [try PartnerTestPKI.untrustedClient.get().certificate]
        let message = try PartnerTestPKI.signer("gateway").sign(try PartnerFixtures.referral())
        try await withEndpoint(try shnConfiguration()) { _, port in
            do {
                _ = try await post(message, port: port, tls: try TLSPolicy.client(files), connectTimeout: .seconds(3))
                XCTFail("the client accepted a server certificate it does not trust")
            } catch {}
        }
    }
}
