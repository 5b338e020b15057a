import Foundation
import KetenpoortServer
import KetenpoortTesting
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// `ketenpoort serve --dev` as a child process, started until it printed its instructions.
final class DevModeProcess {
    let process = Process()
    let intakePort: Int
    private let output: URL

    /// Starts dev mode on a free intake port and waits (up to two minutes) for "Stop with Ctrl-C".
    init() async throws {
        output = FileManager.default.temporaryDirectory.appendingPathComponent("kp-devmode-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        intakePort = try LoopbackPort.free()
        process.executableURL = try GatewayProcess.binary()
        process.arguments = ["serve", "--dev", "--port", "\(intakePort)"]
        let handle = try FileHandle(forWritingTo: output)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        try await eventually(120) { !self.process.isRunning || self.text.contains("Stop with Ctrl-C") }
        guard process.isRunning else { throw HarnessError("serve --dev stopped: \(text)") }
    }

    /// Everything it printed so far.
    var text: String { (try? String(contentsOf: output, encoding: .utf8)) ?? "" }

    /// The printed lines, trimmed.
    var lines: [String] { text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) } }

    /// The value printed after `label:` (e.g. `config`).
    func printed(_ label: String) throws -> String {
        let line = try XCTUnwrap(lines.first { $0.hasPrefix(label + ":") }, text)
        return line.dropFirst(label.count + 1).trimmingCharacters(in: .whitespaces)
    }

    /// The development PKI directory.
    func pkiDirectory() throws -> String { ((try printed("state")) as NSString).deletingLastPathComponent + "/pki" }

    /// Stops it with SIGTERM and returns its exit status.
    func stop() async throws -> Int32 {
        kill(process.processIdentifier, SIGTERM)
        try await eventually(60) { !self.process.isRunning }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: output)
        return process.terminationStatus
    }
}
