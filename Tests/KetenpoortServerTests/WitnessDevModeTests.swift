import Foundation
import KetenpoortServer
import KetenpoortTesting
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// `serve --dev` runs a witness, and the `audit verify --witness` command it prints works against it.
final class WitnessDevModeTests: XCTestCase {
    func testDevModeRunsAWitnessAndItsPrintedVerifyCommandWorks() async throws {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("kp-dev-witness-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        addTeardownBlock { try? FileManager.default.removeItem(at: output) }
        let intakePort = try LoopbackPort.free()
        let process = Process()
        process.executableURL = try GatewayProcess.binary()
        process.arguments = ["serve", "--dev", "--port", "\(intakePort)"]
        let handle = try FileHandle(forWritingTo: output)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        defer {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
        func text() -> String { (try? String(contentsOf: output, encoding: .utf8)) ?? "" }
        try await eventually(120) { !process.isRunning || text().contains("Stop with Ctrl-C") }
        XCTAssertTrue(text().contains("witness:  https://localhost:"), text())

        // The printed command, as an operator would copy it.
        let lines = text().split(separator: "\n").map(String.init)
        let start = try XCTUnwrap(lines.firstIndex { $0.contains(" audit verify --state-dir ") }, text())
        let command = (lines[start] + " " + lines[start + 1]).replacingOccurrences(of: "\\", with: " ")
            .split(separator: " ").map(String.init).filter { !$0.isEmpty }
        XCTAssertTrue(command.contains("--witness"), "\(command)")
        let state = try XCTUnwrap(command.firstIndex(of: "--state-dir").map { command[$0 + 1] })
        let pki = (state as NSString).deletingLastPathComponent + "/pki"

        // One accepted message and a signed head over its records, which the gateway pushes to the witness.
        let client = try IntakeClient(tls: TLSFiles(certificate: pki + "/politie-rotterdam-tls.pem",
                                                    privateKey: pki + "/politie-rotterdam-tls-key.pem", trustedCAs: [pki + "/ca.pem"]))
        let answer = try await client.post(try GatewayExamples.zorgmelding(), port: intakePort)
        await client.shutdown()
        XCTAssertEqual(answer.status, 202, answer.body)
        let checkpoint = try await runKetenpoort(["audit", "checkpoint", "--state-dir", state, "--key", pki + "/gateway-sign-key.pem"])
        XCTAssertEqual(checkpoint.status, 0, checkpoint.output)

        var verified: (status: Int32, output: String) = (-1, "")
        try await eventually(30) {
            verified = try await runKetenpoort(Array(command.dropFirst()))
            return verified.output.contains("witness dev-witness: the local tree extends its head of size")
        }
        XCTAssertEqual(verified.status, 0, verified.output)
        kill(process.processIdentifier, SIGTERM)
        try await eventually(60) { !process.isRunning }
        XCTAssertEqual(process.terminationStatus, 0, text())
    }
}
