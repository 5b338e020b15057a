import Crypto
import Foundation
import KetenpoortStore
import XCTest

/// Kills a separate writer process with SIGKILL at random moments and checks what survived.
final class CrashTests: XCTestCase {
    /// The built `kp-store-writer`, found next to the test bundle (e.g. `.build/debug`).
    private func writerExecutable() throws -> URL {
        var candidates: [URL] = [Bundle.main.bundleURL, Bundle(for: CrashTests.self).bundleURL]
        if let first = CommandLine.arguments.first { candidates.append(URL(fileURLWithPath: first)) }
        for start in candidates {
            var directory = start
            for _ in 0..<6 {
                let candidate = directory.appendingPathComponent("kp-store-writer")
                if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
                directory = directory.deletingLastPathComponent()
            }
        }
        throw StoreError.invalidArgument("kp-store-writer not found near \(candidates.map(\.path)); run `swift build` first")
    }

    private func expectedPayload(for id: String) -> Data {
        Data(String(repeating: "<Bericht id=\"\(id)\">inhoud \(id)</Bericht>", count: 8).utf8)
    }

    func testAcknowledgedAcceptsSurviveSIGKILL() async throws {
        let writer = try writerExecutable()
        let directory = try makeStateDirectory(self)
        var acknowledged: [String] = []
        let cycles = 22
        var generator = SystemRandomNumberGenerator()
        for cycle in 0..<cycles {
            let logPath = directory + "/writer-\(cycle).out"
            XCTAssertTrue(FileManager.default.createFile(atPath: logPath, contents: nil))
            let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
            let process = Process()
            process.executableURL = writer
            process.arguments = [directory, "c\(cycle)", "8"]
            process.standardOutput = log
            process.standardError = FileHandle.nullDevice
            try process.run()
            // Kill at a random moment: sometimes while opening, mostly under load.
            let delay = UInt64.random(in: 150_000_000...900_000_000, using: &generator)
            try await Task.sleep(nanoseconds: delay)
            XCTAssertEqual(kill(process.processIdentifier, SIGKILL), 0)
            process.waitUntilExit()
            try log.close()
            XCTAssertEqual(process.terminationReason, .uncaughtSignal, "cycle \(cycle): the writer must die of SIGKILL")
            let text = try String(contentsOfFile: logPath, encoding: .utf8)
            // Only complete lines count; a line cut by the kill was never acknowledged.
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
            acknowledged += lines.filter { $0.hasPrefix("ACK ") }.map { String($0.dropFirst(4)) }

            // After each kill the store reopens and the chain verifies.
            let store = try SQLiteStore.open(stateDirectory: directory)
            let report = try await store.verifyAuditChain(verifier: nil)
            XCTAssertTrue(report.isIntact, "cycle \(cycle): \(String(describing: report.firstBreak))")
            try store.close()
        }
        XCTAssertGreaterThan(acknowledged.count, cycles, "the writer must have acknowledged accepts before being killed")
        print("crash test: \(acknowledged.count) acknowledged accepts over \(cycles) SIGKILLs")

        let store = try SQLiteStore.open(stateDirectory: directory)
        for id in acknowledged {
            let status = try await store.status(messageId: id)
            XCTAssertEqual(status?.deliveries.count, 2, "acknowledged \(id) lost its deliveries")
            let payload = try await store.payload(messageId: id)
            XCTAssertEqual(payload, expectedPayload(for: id), "acknowledged \(id) is missing or does not decrypt intact")
            XCTAssertEqual(status?.message.digest, Data(SHA256.hash(data: expectedPayload(for: id))))
        }

        // No delivery stays leased past its expiry: once every lease has expired, all of them are due again.
        let counts = try await store.countsByPartnerAndState()
        let sending = counts.filter { $0.state == .sending }.reduce(0) { $0 + $1.count }
        let open = counts.filter { !$0.state.isFinal && $0.state != .held }.reduce(0) { $0 + $1.count }
        let later = Date().addingTimeInterval(10)
        let released = try await store.leaseEveryPartner(owner: "checker", perPartner: open + 1, leaseDuration: 60, now: later)
        XCTAssertEqual(released.count, open, "every queued, deferred and expired-lease delivery must be leasable")
        let stuck = try await store.listDeliveries(DeliveryFilter(state: .sending), after: nil, limit: 100_000)
            .filter { $0.leaseOwner != "checker" }
        XCTAssertTrue(stuck.isEmpty, "\(stuck.count) deliveries stayed leased past their expiry (\(sending) were sending)")
        let report = try await store.verifyAuditChain(verifier: nil)
        XCTAssertTrue(report.isIntact, "\(String(describing: report.firstBreak))")
    }
}
