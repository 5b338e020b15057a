import Foundation
import KetenpoortServer
import KetenpoortTesting
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// Leftovers: a partner endpoint removes the temporary files of writes a crash interrupted, and `serve --dev`
/// removes its temporary directory on exit unless `--keep`.
final class DevModeAndInboxCleanupTests: XCTestCase {
    func testPartnerEndpointRemovesUnfinishedWritesAtStart() throws {
        let pki = try GatewayTestPKI.get()
        let party = try XCTUnwrap(pki.manifest.party(named: "shn"))
        let inbox = FileManager.default.temporaryDirectory.appendingPathComponent("kp-inbox-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: inbox, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: inbox) }
        let message = "00000000-0000-4000-8000-000000000001.xml"
        let unfinished = ".\(message).\(UUID().uuidString.lowercased()).tmp"
        XCTAssertTrue(FileManager.default.createFile(atPath: inbox + "/" + message, contents: Data("<a/>".utf8)))
        XCTAssertTrue(FileManager.default.createFile(atPath: inbox + "/" + unfinished, contents: Data("<a".utf8)))
        let configuration = try PartnerEndpointConfiguration.development(pki: pki, party: party, host: "127.0.0.1", port: 0, inbox: inbox)
        let endpoint = try PartnerEndpoint(configuration: configuration, logger: CapturedLogs().logger())
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: inbox), [message])
        withExtendedLifetime(endpoint) {}
    }

    /// Runs `serve --dev` until it prints its instructions, stops it with SIGTERM, and returns its temporary directory.
    private func runDevMode(keep: Bool) async throws -> (status: Int32, root: String, output: String) {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("kp-dev-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        addTeardownBlock { try? FileManager.default.removeItem(at: output) }
        let process = Process()
        process.executableURL = try GatewayProcess.binary()
        process.arguments = ["serve", "--dev", "--port", "\(try LoopbackPort.free())"] + (keep ? ["--keep"] : [])
        let handle = try FileHandle(forWritingTo: output)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        func text() -> String { (try? String(contentsOf: output, encoding: .utf8)) ?? "" }
        try await eventually(120) {
            XCTAssertTrue(process.isRunning, text())
            return !process.isRunning || text().contains("Stop with Ctrl-C")
        }
        let stateLine = text().split(separator: "\n").first { $0.contains("state:") }.map(String.init) ?? ""
        let state = stateLine.replacingOccurrences(of: "state:", with: "").trimmingCharacters(in: .whitespaces)
        let root = (state as NSString).deletingLastPathComponent
        XCTAssertTrue(FileManager.default.fileExists(atPath: root), text())
        kill(process.processIdentifier, SIGTERM)
        try await eventually(60) { !process.isRunning }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        return (process.terminationStatus, root, text())
    }

    func testDevModeRemovesItsDirectoryOnExitUnlessKept() async throws {
        let removed = try await runDevMode(keep: false)
        XCTAssertEqual(removed.status, 0, removed.output)
        XCTAssertFalse(removed.root.isEmpty)
        XCTAssertFalse(FileManager.default.fileExists(atPath: removed.root), removed.output)

        let kept = try await runDevMode(keep: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: kept.root) }
        XCTAssertEqual(kept.status, 0, kept.output)
        XCTAssertTrue(FileManager.default.fileExists(atPath: kept.root + "/state"), kept.output)
        XCTAssertTrue(kept.output.contains("development files kept in \(kept.root)"), kept.output)
    }
}
