import Foundation
import KetenpoortTesting

/// A child process of the `ketenpoort` executable of this build (`serve`, `receive`), its output appended to a log file.
final class ChildProcess: @unchecked Sendable {
    /// The arguments after the executable.
    let arguments: [String]
    /// Where stdout and stderr go (appended across restarts).
    let logFile: String
    private let lock = NSLock()
    private var process: Process?

    /// Prepares a child; nothing runs until `start()`.
    init(arguments: [String], logFile: String) {
        self.arguments = arguments
        self.logFile = logFile
    }

    /// The `ketenpoort` executable next to this one (the same build directory, or the same installed `bin`).
    static func executable() throws -> String {
        let running = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let sibling = URL(fileURLWithPath: running).deletingLastPathComponent().appendingPathComponent("ketenpoort").path
        guard FileManager.default.isExecutableFile(atPath: sibling) else {
            throw BenchError("no ketenpoort executable next to this one at \(sibling); build both (swift build -c release)")
        }
        return sibling
    }

    /// The running child's pid, or nil.
    var pid: Int32? {
        lock.withLock { process.flatMap { $0.isRunning ? $0.processIdentifier : nil } }
    }

    /// Starts the child (again).
    func start() throws {
        if !FileManager.default.fileExists(atPath: logFile) {
            _ = FileManager.default.createFile(atPath: logFile, contents: nil)
        }
        guard let log = FileHandle(forWritingAtPath: logFile) else { throw BenchError("cannot open \(logFile)") }
        log.seekToEndOfFile()
        let child = Process()
        child.executableURL = URL(fileURLWithPath: try Self.executable())
        child.arguments = arguments
        child.standardOutput = log
        child.standardError = log
        child.standardInput = FileHandle.nullDevice
        try child.run()
        try? log.close()
        lock.withLock { process = child }
    }

    /// Sends `signal` and waits (at most `timeout` seconds) until the child has exited; true if it did.
    @discardableResult
    func stop(signal: Int32, timeout: Double = 30) async -> Bool {
        guard let pid else { return true }
        kill(pid, signal)
        return await waitForExit(timeout: timeout)
    }

    /// Waits until the child has exited, at most `timeout` seconds; a cancelled caller stops waiting at once.
    func waitForExit(timeout: Double) async -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if pid == nil { return true }
            do { try await Task.sleep(for: .milliseconds(5)) } catch { break }
        }
        return pid == nil
    }

    /// The exit status of the last run, once it has exited.
    var exitStatus: Int32? {
        lock.withLock { process.flatMap { $0.isRunning ? nil : $0.terminationStatus } }
    }
}

/// Waits until 127.0.0.1:`port` accepts connections; returns the seconds it took, or throws after `timeout`.
func waitUntilListening(_ port: Int, timeout: Double, while child: ChildProcess? = nil) async throws -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if LoopbackPort.isListening(port) { return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
        if let child, child.pid == nil {
            throw BenchError("\(child.arguments.joined(separator: " ")) exited (status \(child.exitStatus ?? -1)); see \(child.logFile)")
        }
        try await Task.sleep(for: .milliseconds(2))
    }
    throw BenchError("nothing listens on 127.0.0.1:\(port) after \(timeout) s")
}
