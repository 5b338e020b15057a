import Foundation
import KetenpoortOperations
import KetenpoortPKI
import KetenpoortServer
import XCTest

/// The assembly of `serve --dev` without running it: the configuration it writes is complete and checks clean.
final class DevAssemblyTests: XCTestCase {
    private func root() throws -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("kp-dev-assembly-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: root) }
        return root
    }

    func testTheWrittenConfigurationLoadsBackAndPassesTheFullCheck() throws {
        let root = try root()
        let pki = try DevelopmentPKI.create(in: root.appendingPathComponent("pki").path)
        let partners = try DevMode.partners.map { name -> GatewayConfiguration.Partner in
            let party = try XCTUnwrap(pki.manifest.party(named: name), "the development PKI issues \(name)")
            return GatewayConfiguration.Partner(id: name, name: party.organisation, oin: party.oin, endpoint: "https://localhost:9501/v1/berichten",
                                                signingCertificates: [pki.path(party.signingCertificate)], concurrency: 4)
        }
        var configuration = try DevConfiguration.make(pki: pki, root: root, intakePort: 8443, partners: partners)
        configuration.witnesses = try DevWitness.policy(pki: pki, port: 9700)
        let file = try DevConfiguration.write(configuration, in: root)
        XCTAssertEqual(URL(fileURLWithPath: file).lastPathComponent, DevConfiguration.fileName)

        let loaded = try ConfigurationLoader.load(file: file)
        XCTAssertEqual(loaded.intake.port, 8443)
        XCTAssertEqual(loaded.partners.map(\.id), DevMode.partners)
        XCTAssertEqual(loaded.stateDirectory, root.appendingPathComponent("state").path)
        XCTAssertEqual(loaded.witnesses?.list.map(\.name), [DevWitness.name])
        // Every police party of the PKI may send both kinds, so the shipped examples are accepted.
        let police = pki.manifest.parties.filter { $0.role == .police }.map(\.oin)
        XCTAssertEqual(Set(loaded.senders.map(\.oin)), Set(police))
        let check = ConfigurationCheck(loaded)
        XCTAssertEqual(check.problems.map(\.description), [])
    }

    func testTheWitnessAcceptsTheDevelopmentGatewaysHeads() throws {
        let root = try root()
        let pki = try DevelopmentPKI.create(in: root.appendingPathComponent("pki").path)
        let witness = try DevWitness.configuration(pki: pki, root: root)
        let gateway = try XCTUnwrap(pki.manifest.party(named: "gateway"))
        XCTAssertEqual(witness.gateways.map(\.signingCertificate), [pki.path(gateway.signingCertificate)])
        XCTAssertEqual(witness.listen.port, 0, "an ephemeral port")
        let command = DevWitness.verifyCommand(binary: "ketenpoort", pki: pki, root: root, port: 9700)
        XCTAssertTrue(command.hasPrefix("ketenpoort audit verify --state-dir \(root.appendingPathComponent("state").path)"), command)
        XCTAssertTrue(command.contains("--witness https://localhost:9700"), command)
    }
}
