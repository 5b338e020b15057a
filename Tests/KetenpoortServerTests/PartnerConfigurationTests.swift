import Foundation
import KetenpoortCore
import KetenpoortServer
import XCTest

final class PartnerConfigurationTests: XCTestCase {
    private func write(_ yaml: String) throws -> String {
        let path = (NSTemporaryDirectory() as NSString).appendingPathComponent("partner-\(UUID().uuidString).yaml")
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    func testExampleConfigurationLoads() throws {
        let example = ResourceLocation.schemaDirectory().deletingLastPathComponent()
            .appendingPathComponent("Examples/config/partner-shn.yaml").path
        let configuration = try PartnerEndpointConfiguration.load(file: example)
        XCTAssertEqual(configuration.partner, "shn")
        XCTAssertEqual(configuration.oin, "00000099000000000101")
        XCTAssertEqual(configuration.tls.trustedCAs, [ResourceLocation.schemaDirectory().deletingLastPathComponent()
            .appendingPathComponent("dev-pki/ca.pem").standardizedFileURL.path])
    }

    func testMissingKeyIsNamed() throws {
        let path = try write("""
            partner: shn
            oin: "00000099000000000101"
            organisationalUnit: intake
            listen: { host: 127.0.0.1, port: 8443 }
            tls: { certificate: a.pem, privateKey: b.pem }
            """)
        XCTAssertThrowsError(try PartnerEndpointConfiguration.load(file: path)) { error in
            XCTAssertTrue("\(error)".contains("tls.trustedCAs"), "\(error)")
            XCTAssertTrue("\(error)".contains(path), "\(error)")
        }
    }

    func testBadValueIsNamed() throws {
        let path = try write("""
            partner: shn
            oin: 101
            organisationalUnit: intake
            listen: { host: 127.0.0.1, port: 8443 }
            tls: { certificate: a.pem, privateKey: b.pem, trustedCAs: [ca.pem] }
            receiptSigning: { certificate: s.pem, privateKey: k.pem }
            gateway: { trustedCAs: [ca.pem], signerOINs: ["00000099000000000900"] }
            inbox: ./inbox
            """)
        XCTAssertThrowsError(try PartnerEndpointConfiguration.load(file: path)) { error in
            XCTAssertEqual((error as? PartnerConfigurationError)?.key, "oin", "\(error)")
        }
    }
}
