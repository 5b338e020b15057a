import Foundation
import KetenpoortServer
import KetenpoortTesting
import XCTest

/// `ketenpoort reload --config FILE` against a real `ketenpoort serve` process.
final class ReloadCommandTests: XCTestCase {
    private struct Run {
        let status: Int32
        let output: String
    }

    /// Runs the built `ketenpoort` with `arguments`; stdout and stderr together.
    private func ketenpoort(_ arguments: [String]) throws -> Run {
        let process = Process()
        process.executableURL = try GatewayProcess.binary()
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(status: process.terminationStatus, output: String(decoding: data, as: UTF8.self))
    }

    private func edit(_ file: String, _ change: (inout GatewayConfiguration) -> Void) throws {
        var configuration = try ConfigurationLoader.load(file: file)
        change(&configuration)
        try ReloadableGateway.write(configuration, to: file)
    }

    func testReloadCommandSignalsTheServingGatewayAndPrintsTheOutcome() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kp-reload-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var configuration = try RunningGateway.makeConfiguration(
            partners: ["vt-rotterdam-rijnmond": "https://localhost:9/v1/berichten"], stateDirectory: directory.path + "/state",
            retry: .init(initialDelaySeconds: 0.3, maxDelaySeconds: 1, maxAgeHours: 1, jitter: 0.1))
        configuration.senders[0].kinds = ["Slachtofferverwijzing"]
        configuration.intake.port = try LoopbackPort.free()
        configuration.admin.port = try LoopbackPort.free()
        let port = configuration.intake.port
        let daemon = try GatewayProcess(configuration: configuration, directory: directory)
        let file = daemon.process.arguments?[2] ?? ""
        let client = try IntakeClient(tls: GatewayTestPKI.tls(try GatewayTestPKI.get(), "politie-rotterdam"))
        do {
            // Serving (and so past the point where SIGHUP is taken over) once intake answers.
            var first: (status: Int, body: String)?
            try await eventually(30) {
                first = try? await client.post(try GatewayExamples.zorgmelding(), port: port)
                return first != nil
            }
            XCTAssertEqual(first?.status, 403, daemon.log)
            XCTAssertEqual(RunningGatewayProcess.holder(stateDirectory: configuration.stateDirectory), daemon.process.processIdentifier)

            try edit(file) { $0.senders[0].kinds = ["Zorgmelding", "Slachtofferverwijzing"] }
            let applied = try ketenpoort(["reload", "--config", file])
            XCTAssertEqual(applied.status, 0, applied.output)
            XCTAssertTrue(applied.output.contains("reload applied"), applied.output)
            XCTAssertTrue(applied.output.contains("changed: senders"), applied.output)
            let accepted = try await client.post(try GatewayExamples.zorgmelding(), port: port)
            XCTAssertEqual(accepted.status, 202, accepted.body)

            try edit(file) { $0.partners[0].signingCertificates = [directory.path + "/absent.pem"] }
            let refused = try ketenpoort(["reload", "--config", file])
            XCTAssertEqual(refused.status, 1, refused.output)
            XCTAssertTrue(refused.output.contains("reload refused, the running configuration stays"), refused.output)
            XCTAssertTrue(refused.output.contains("partners[0].signingCertificates[0]"), refused.output)
            XCTAssertTrue(daemon.process.isRunning, daemon.log)
        } catch {
            XCTFail("\(error)\n\(daemon.log)")
        }
        await client.shutdown()
        let status = try await daemon.terminate()
        XCTAssertEqual(status, 0, daemon.log)
        // With the gateway stopped there is nobody to reload.
        let nobody = try ketenpoort(["reload", "--config", file])
        XCTAssertEqual(nobody.status, 2, nobody.output)
        XCTAssertTrue(nobody.output.contains("no gateway is running on the state directory"), nobody.output)
    }
}
