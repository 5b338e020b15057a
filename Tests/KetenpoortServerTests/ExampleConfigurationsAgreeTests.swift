import Foundation
import KetenpoortPKI
import KetenpoortServer
import XCTest

/// The example configurations fit together as shipped: the gateway delivers where the example partners listen,
/// every file resolves relative paths against its own directory, and the example senders are in the dev PKI.
final class ExampleConfigurationsAgreeTests: XCTestCase {
    private let directory = GatewayExamples.repository.appendingPathComponent("Examples/config")
    private var devPKI: String { GatewayExamples.repository.appendingPathComponent("dev-pki").path }

    private func partnerFiles() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasPrefix("partner-") && $0.hasSuffix(".yaml") }.sorted()
            .map { directory.appendingPathComponent($0).path }
    }

    func testEveryPartnerExampleListensWhereTheGatewayExampleDelivers() throws {
        let gateway = try ConfigurationLoader.load(file: directory.appendingPathComponent("gateway.yaml").path)
        let files = try partnerFiles()
        XCTAssertTrue(files.contains { $0.hasSuffix("partner-shn.yaml") }, "\(files)")
        XCTAssertTrue(files.contains { $0.hasSuffix("partner-vt-rotterdam-rijnmond.yaml") }, "\(files)")
        for file in files {
            let partner = try PartnerEndpointConfiguration.load(file: file)
            let route = try XCTUnwrap(gateway.partners.first { $0.id == partner.partner }, "\(file): no partner \(partner.partner) in gateway.yaml")
            let endpoint = try XCTUnwrap(URLComponents(string: route.endpoint))
            XCTAssertEqual(endpoint.port, partner.listen.port, file)
            XCTAssertEqual(endpoint.path, PartnerEndpoint.path, file)
            XCTAssertEqual(route.oin, partner.oin, file)
            XCTAssertTrue(route.signingCertificates.contains(partner.receiptSigning.certificate), "\(file): \(route.signingCertificates)")
            XCTAssertEqual(partner.tls.trustedCAs, gateway.courier.tls.trustedCAs, file)
            XCTAssertEqual(partner.gateway.signerOINs, [gateway.gateway.oin], file)
            XCTAssertNotNil(DevelopmentParty.all.first { $0.name == partner.partner && $0.oin == partner.oin }, file)
        }
    }

    func testPartnerAndWitnessPathsAreRelativeToTheirFileLikeTheGateway() throws {
        let gateway = try ConfigurationLoader.load(file: directory.appendingPathComponent("gateway.yaml").path)
        XCTAssertEqual(gateway.signing.certificate, devPKI + "/gateway-sign.pem")
        let shn = try PartnerEndpointConfiguration.load(file: directory.appendingPathComponent("partner-shn.yaml").path)
        XCTAssertEqual(shn.tls.certificate, devPKI + "/shn-tls.pem")
        XCTAssertEqual(shn.receiptSigning.privateKey, devPKI + "/shn-sign-key.pem")
        XCTAssertEqual(shn.inbox, GatewayExamples.repository.appendingPathComponent("partner-inbox/shn").path)
        let witness = try WitnessConfiguration.load(file: directory.appendingPathComponent("witness.yaml").path)
        XCTAssertEqual(witness.cosigning.certificate, devPKI + "/om-sign.pem")
        XCTAssertEqual(witness.gateways.map(\.signingCertificate), [gateway.signing.certificate])

        // A file elsewhere: its relative paths follow the file, not the working directory.
        let elsewhere = FileManager.default.temporaryDirectory.appendingPathComponent("kp-partner-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: elsewhere.appendingPathComponent("a/b"), withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: elsewhere) }
        let copy = elsewhere.appendingPathComponent("a/b/partner.yaml")
        try FileManager.default.copyItem(at: directory.appendingPathComponent("partner-shn.yaml"), to: copy)
        let moved = try PartnerEndpointConfiguration.load(file: copy.path)
        XCTAssertEqual(moved.tls.trustedCAs, [elsewhere.appendingPathComponent("dev-pki/ca.pem").standardizedFileURL.path])
        XCTAssertEqual(moved.inbox, elsewhere.appendingPathComponent("partner-inbox/shn").standardizedFileURL.path)
    }

    func testEveryValidExampleSenderIsIssuedByPkiDevAndAllowedForItsKind() throws {
        let gateway = try ConfigurationLoader.load(file: directory.appendingPathComponent("gateway.yaml").path)
        let valid = GatewayExamples.repository.appendingPathComponent("Examples/valid")
        let intakeKinds = ["Zorgmelding", "Slachtofferverwijzing"]
        var checked = 0
        for name in try FileManager.default.contentsOfDirectory(atPath: valid.path) where name.hasSuffix(".xml") {
            let text = try String(contentsOf: valid.appendingPathComponent(name), encoding: .utf8)
            guard let kind = intakeKinds.first(where: { text.contains("<\($0) ") || text.contains("<\($0)>") }) else { continue }
            let start = try XCTUnwrap(text.range(of: "<kop:OIN>"), name)
            let oin = String(text[start.upperBound...].prefix(20))
            XCTAssertNotNil(DevelopmentParty.all.first { $0.oin == oin && $0.role == .police }, "\(name): \(oin) not issued by pki dev")
            XCTAssertTrue(gateway.senders.contains { $0.oin == oin && $0.kinds.contains(kind) }, "\(name): \(oin) may not send \(kind)")
            checked += 1
        }
        XCTAssertEqual(checked, 5)
    }
}
