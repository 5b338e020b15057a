import Foundation
import KetenpoortCore
import KetenpoortPKI
import KetenpoortServer
import XCTest

/// The witness's configuration file and the gateway's `witnesses` section: examples load, mistakes are named.
final class WitnessConfigurationTests: XCTestCase {
    private let repository = ResourceLocation.schemaDirectory().deletingLastPathComponent()

    private func write(_ yaml: String) throws -> String {
        let path = (NSTemporaryDirectory() as NSString).appendingPathComponent("witness-\(UUID().uuidString).yaml")
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    func testTheExampleWitnessConfigurationLoads() throws {
        let configuration = try WitnessConfiguration.load(file: repository.appendingPathComponent("Examples/config/witness.yaml").path)
        XCTAssertEqual(configuration.name, "inspectie-witness")
        // Relative paths are relative to the file (Examples/config/../../dev-pki), as in the gateway's configuration.
        let devPKI = repository.appendingPathComponent("dev-pki").standardizedFileURL.path
        XCTAssertEqual(configuration.gateways.map(\.signingCertificate), [devPKI + "/gateway-sign.pem"])
        XCTAssertEqual(configuration.cosigning.privateKey, devPKI + "/om-sign-key.pem")
    }

    func testAMissingKeyAndBadValuesAreNamed() throws {
        let missing = try write("""
            name: w
            listen: { host: 127.0.0.1, port: 9600 }
            tls: { certificate: a.pem, privateKey: b.pem, trustedCAs: [c.pem] }
            stateDirectory: ./state
            gateways: []
            """)
        XCTAssertThrowsError(try WitnessConfiguration.load(file: missing)) { error in
            XCTAssertTrue("\(error)".contains("\(missing): cosigning: required key is missing"), "\(error)")
        }
        let bad = try write("""
            name: ""
            listen: { host: 127.0.0.1, port: 70000 }
            tls: { certificate: a.pem, privateKey: b.pem, trustedCAs: [c.pem] }
            cosigning: { certificate: d.pem, privateKey: e.pem }
            stateDirectory: ./state
            gateways: []
            """)
        XCTAssertThrowsError(try WitnessConfiguration.load(file: bad)) { error in
            let text = "\(error)"
            for expected in ["name: must not be empty", "listen.port: must be between 0 and 65535", "gateways: needs at least one gateway"] {
                XCTAssertTrue(text.contains(expected), text)
            }
        }
    }

    func testTheGatewayExampleWitnessesSectionLoadsAndIsChecked() throws {
        let pki = try GatewayTestPKI.get()
        let example = try String(contentsOf: repository.appendingPathComponent("Examples/config/gateway.yaml"), encoding: .utf8)
        // Uncomment the witnesses section, as an operator would.
        var inSection = false
        let lines = example.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            if line.hasPrefix("# witnesses:") { inSection = true }
            guard inSection, line.hasPrefix("#") else {
                inSection = false
                return String(line)
            }
            return String(line.dropFirst(2))
        }
        let yaml = lines.joined(separator: "\n").replacingOccurrences(of: "../../dev-pki/", with: pki.directory + "/")
            .replacingOccurrences(of: "../routing/", with: repository.path + "/Examples/routing/")
        let configuration = try ConfigurationLoader.decode(yaml, baseDirectory: repository.appendingPathComponent("Examples/config"))
        let witnesses = try XCTUnwrap(configuration.witnesses)
        XCTAssertEqual(witnesses.effectiveRequired, 1)
        XCTAssertEqual(witnesses.list.map(\.name), ["inspectie"])
        XCTAssertEqual(ConfigurationCheck.witnessProblems(configuration), [])

        var wrong = configuration
        wrong.witnesses?.required = 2
        wrong.witnesses?.list[0].url = "http://witness.example"
        wrong.witnesses?.list[0].cosignerCertificate = pki.directory + "/missing.pem"
        let problems = ConfigurationCheck.witnessProblems(wrong).map(\.key)
        XCTAssertEqual(problems, ["witnesses.required", "witnesses.list[0].url", "witnesses.list[0].cosignerCertificate"])
        XCTAssertTrue(ConfigurationCheck(wrong).problems.contains { $0.key == "witnesses.required" })
    }
}
