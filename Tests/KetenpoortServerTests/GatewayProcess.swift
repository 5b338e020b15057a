import Foundation
import KetenpoortServer
#if canImport(Glibc)
import Glibc
#endif

/// The `ketenpoort` binary built next to the tests, run as a real daemon process.
final class GatewayProcess: @unchecked Sendable {
    let process: Process
    let output: URL

    /// Where `swift build` put the `ketenpoort` executable.
    static func binary() throws -> URL {
        var directory = URL(fileURLWithPath: CommandLine.arguments.first ?? ".").resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("ketenpoort")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        throw HarnessError("the ketenpoort binary was not found next to the tests (run swift build first)")
    }

    /// Writes the configuration as a file (JSON is YAML) and starts `ketenpoort serve --config` (plus `extraArguments`,
    /// and `environment` added to this process's environment).
    init(configuration: GatewayConfiguration, directory: URL, extraArguments: [String] = [],
         environment: [String: String] = [:]) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let file = directory.appendingPathComponent("gateway-\(UUID().uuidString.prefix(6)).yaml")
        try encoder.encode(configuration).write(to: file)
        output = directory.appendingPathComponent("gateway-\(UUID().uuidString.prefix(6)).log")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        process = Process()
        process.executableURL = try Self.binary()
        process.arguments = ["serve", "--config", file.path] + extraArguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, added in added }
        }
        let handle = try FileHandle(forWritingTo: output)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
    }

    /// Kills the process with SIGKILL and waits for it.
    func kill9() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// Sends SIGTERM and waits up to `seconds`; returns the exit status.
    func terminate(within seconds: Double = 20) async throws -> Int32 {
        kill(process.processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        if process.isRunning {
            kill9()
            throw HarnessError("the gateway did not stop within \(seconds) s after SIGTERM")
        }
        return process.terminationStatus
    }

    /// Everything the process logged.
    var log: String { (try? String(contentsOf: output, encoding: .utf8)) ?? "" }
}

