import Foundation
import XCTest

/// Runs the real `openssl` binary and captures its exit status and combined output.
enum OpenSSLTool {
    /// The result of one `openssl` invocation.
    struct Result {
        let status: Int32
        let output: String
        var succeeded: Bool { status == 0 }
    }

    /// The path of the openssl binary found on PATH (or /usr/bin/openssl).
    static let path: String = {
        let directories = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":")
        for directory in directories {
            let candidate = "\(directory)/openssl"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return "/usr/bin/openssl"
    }()

    /// Runs `openssl` with the arguments in `directory`.
    static func run(_ arguments: [String], in directory: String? = nil) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, output: String(decoding: data, as: UTF8.self))
    }

    /// Fails the test when no openssl binary is installed (.ci/run installs it; a missing tool is a failure, not a skip).
    static func requireInstalled() throws {
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw OpenSSLMissing()
        }
    }

    /// The openssl binary is not installed.
    struct OpenSSLMissing: Error {}
}
