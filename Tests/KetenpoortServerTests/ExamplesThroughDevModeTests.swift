import Foundation
import KetenpoortPKI
import KetenpoortServer
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// The shipped examples work as they are: every valid message is accepted by a running `serve --dev`, every
/// invalid one is refused for its own rule, and the operator commands dev mode prints work against it.
final class ExamplesThroughDevModeTests: XCTestCase {
    /// The sender OIN in a message's Berichtkop.
    private func senderOIN(_ text: String) throws -> String {
        let start = try XCTUnwrap(text.range(of: "<kop:OIN>"))
        return String(text[start.upperBound...].prefix(20))
    }

    /// Posts an example file as the dev-PKI party whose OIN the file names as sender.
    private func submit(_ file: URL, dev: DevModeProcess, manifest: DevelopmentPKIManifest) async throws -> (status: Int, body: String) {
        let bytes = try Data(contentsOf: file)
        let oin = try senderOIN(String(decoding: bytes, as: UTF8.self))
        let party = try XCTUnwrap(manifest.party(oin: oin), "\(file.lastPathComponent): sender OIN \(oin) is not issued by pki dev")
        let pki = try dev.pkiDirectory()
        let client = try IntakeClient(tls: TLSFiles(certificate: pki + "/" + party.tlsCertificate,
                                                    privateKey: pki + "/" + party.tlsKey, trustedCAs: [pki + "/ca.pem"]))
        defer { Task { await client.shutdown() } }
        return try await client.post(bytes, port: dev.intakePort)
    }

    private func examples(_ folder: String) throws -> [URL] {
        let directory = GatewayExamples.repository.appendingPathComponent("Examples/\(folder)")
        return try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "xml" }.sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    func testEveryExampleGetsItsAnswerFromDevMode() async throws {
        let dev = try await DevModeProcess()
        let manifest = try DevelopmentPKIManifest.load(file: try dev.pkiDirectory() + "/parties.json")
        let valid = try examples("valid")
        XCTAssertGreaterThanOrEqual(valid.count, 7)
        for file in valid {
            let answer = try await submit(file, dev: dev, manifest: manifest)
            if file.lastPathComponent.hasPrefix("ontvangstbevestiging") {
                // Receipts are what partners answer with; intake refuses them by kind, not by sender.
                XCTAssertEqual(answer.status, 422, "\(file.lastPathComponent): \(answer.body)")
                XCTAssertTrue(answer.body.contains("KP-A002"), "\(file.lastPathComponent): \(answer.body)")
            } else {
                XCTAssertEqual(answer.status, 202, "\(file.lastPathComponent): \(answer.body)")
            }
        }
        let invalid = try examples("invalid")
        XCTAssertGreaterThanOrEqual(invalid.count, 20)
        for file in invalid {
            let answer = try await submit(file, dev: dev, manifest: manifest)
            let name = file.lastPathComponent
            XCTAssertTrue((400..<500).contains(answer.status), "\(name): \(answer.status) \(answer.body)")
            // Refused for the rule the file is named after (KP-R001 → KP-R001; KP-S-… → a KP-S code; KP-X-… → KP-X).
            let expected = name.hasPrefix("KP-R") ? String(name.prefix(7)) : String(name.prefix(4))
            XCTAssertTrue(answer.body.contains("\"code\":\"\(expected)"), "\(name): \(answer.body)")
            XCTAssertFalse(answer.body.contains("KP-A00"), "\(name) was refused for its sender: \(answer.body)")
        }
        let status = try await dev.stop()
        XCTAssertEqual(status, 0)
    }

    func testDevModeWritesItsConfigurationAndThePrintedCommandsWork() async throws {
        let dev = try await DevModeProcess()
        let configFile = try dev.printed("config")
        XCTAssertEqual((configFile as NSString).lastPathComponent, "gateway.yaml")
        let configuration = try ConfigurationLoader.load(file: configFile)
        XCTAssertEqual(configuration.intake.port, dev.intakePort)
        XCTAssertEqual(configuration.stateDirectory, try dev.printed("state"))

        let manifest = try DevelopmentPKIManifest.load(file: try dev.pkiDirectory() + "/parties.json")
        let accepted = try await submit(GatewayExamples.repository.appendingPathComponent("Examples/valid/zorgmelding-rotterdam-kind.xml"),
                                        dev: dev, manifest: manifest)
        XCTAssertEqual(accepted.status, 202, accepted.body)

        // Each printed operator command with --config, run as an operator would copy it.
        let commands = dev.lines.filter { $0.contains(" --config ") }.map { $0.split(separator: " ").map(String.init) }
        let names = commands.map { $0.dropFirst().prefix(2).joined(separator: " ") }
        for expected in ["certs check", "queue status", "audit verify"] {
            XCTAssertTrue(names.contains(expected), "not printed: \(expected)\n\(dev.text)")
        }
        for command in commands {
            XCTAssertEqual(command.last, configFile, command.joined(separator: " "))
            let result = try await runKetenpoort(Array(command.dropFirst()))
            XCTAssertEqual(result.status, 0, "\(command.joined(separator: " ")): \(result.output)")
            if command.contains("queue") {
                XCTAssertTrue(result.output.contains("vt-rotterdam-rijnmond"), result.output)
            }
            if command.contains("verify") {
                XCTAssertTrue(result.output.hasPrefix("OK:"), result.output)
            }
        }
        let status = try await dev.stop()
        XCTAssertEqual(status, 0)
    }
}
