import Foundation
import XCTest

/// `ketenpoort --version` and `queue status --watch`, run as an operator would.
final class OperatorPolishTests: XCTestCase {
    func testVersionIsPrinted() async throws {
        let result = try await CLIRunner.run(["--version"])
        assertExit(result, 0)
        XCTAssertTrue(result.stdout.range(of: #"^\d+\.\d+\.\d+\s*$"#, options: .regularExpression) != nil, result.stdout)
    }

    func testWatchRefusesJSON() async throws {
        let result = try await CLIRunner.run(["queue", "status", "--watch", "--json", "--state-dir", NSTemporaryDirectory()])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("--watch"), result.stderr)
    }

    func testWatchRedrawsInPlaceUntilSIGTERM() async throws {
        let filled = try await FilledStore.make(self, haaglandenAge: 3 * 3600)
        let watcher = try WatchedProcess(["queue", "status", "--watch", "--interval", "0.2", "--state-dir", filled.directory])
        let screens = try await watcher.output(containing: "\u{1B}[H\u{1B}[2J", times: 3)
        watcher.terminate()
        let status = await watcher.exitStatus()
        XCTAssertEqual(status, 0, "watch ends cleanly on SIGTERM")
        let frames = screens.components(separatedBy: "\u{1B}[H\u{1B}[2J").filter { !$0.isEmpty }
        XCTAssertGreaterThanOrEqual(frames.count, 3)
        for frame in frames.prefix(3) {
            XCTAssertTrue(frame.contains("Every 0.20s: ketenpoort queue status"), frame)
            XCTAssertTrue(frame.contains("OLDEST") && frame.contains("vt-haaglanden"), frame)
        }
        XCTAssertTrue(frames[0].contains("3h0"), "the age column shows the 3-hour-old message: \(frames[0])")
    }

    func testWatchAgeEndsOnSIGINT() async throws {
        let filled = try await FilledStore.make(self, haaglandenAge: 30 * 60)
        let watcher = try WatchedProcess(["queue", "status", "--watch", "--age", "--interval", "0.2", "--state-dir", filled.directory])
        let screens = try await watcher.output(containing: "\u{1B}[H\u{1B}[2J", times: 2)
        watcher.interrupt()
        let status = await watcher.exitStatus()
        XCTAssertEqual(status, 0)
        XCTAssertTrue(screens.contains("160m") && screens.contains("TOTAL"), screens)
    }
}

/// A `ketenpoort` process whose stdout is collected as it arrives.
private final class WatchedProcess: @unchecked Sendable {
    private let process = Process()
    private let pipe = Pipe()
    private let lock = NSLock()
    private var collected = ""
    private var ended = false
    private var waiters: [(needle: String, times: Int, continuation: CheckedContinuation<String, Never>)] = []

    init(_ arguments: [String]) throws {
        process.executableURL = try CLIRunner.executable()
        process.arguments = arguments
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        pipe.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            if data.isEmpty { handle.readabilityHandler = nil }
            self?.append(String(decoding: data, as: UTF8.self), ended: data.isEmpty)
        }
        try process.run()
    }

    private func append(_ text: String, ended: Bool) {
        let ready: [(CheckedContinuation<String, Never>, String)] = lock.withLock {
            collected += text
            self.ended = self.ended || ended
            let isDone = { (waiter: (needle: String, times: Int, continuation: CheckedContinuation<String, Never>)) in
                self.ended || self.collected.components(separatedBy: waiter.needle).count - 1 >= waiter.times
            }
            let done = waiters.filter(isDone)
            waiters.removeAll(where: isDone)
            return done.map { ($0.continuation, collected) }
        }
        for (continuation, text) in ready { continuation.resume(returning: text) }
    }

    /// Waits (at most 30 s, or until stdout ends) until stdout holds `needle` `times` times; returns everything so far.
    func output(containing needle: String, times: Int) async throws -> String {
        let deadline = Task { [weak self] in
            try await Task.sleep(for: .seconds(30))
            self?.process.terminate()
        }
        defer { deadline.cancel() }
        let text = await withCheckedContinuation { continuation in
            lock.withLock {
                if ended || collected.components(separatedBy: needle).count - 1 >= times {
                    continuation.resume(returning: collected)
                } else {
                    waiters.append((needle, times, continuation))
                }
            }
        }
        return text
    }

    /// Sends SIGTERM.
    func terminate() { process.terminate() }

    /// Sends SIGINT, as Ctrl-C does.
    func interrupt() { process.interrupt() }

    /// Waits for the process to end and gives its exit status.
    func exitStatus() async -> Int32 {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { [process] in
                process.waitUntilExit()
                continuation.resume(returning: process.terminationStatus)
            }
        }
    }
}
