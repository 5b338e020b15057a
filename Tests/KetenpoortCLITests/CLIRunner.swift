import Foundation
import KetenpoortStore
import XCTest

/// The result of running the `ketenpoort` binary.
struct CLIResult: Sendable {
    /// The exit status.
    var status: Int32
    /// Everything written to stdout.
    var stdout: String
    /// Everything written to stderr.
    var stderr: String

    /// Decodes stdout as JSON of type `T`.
    func json<T: Decodable>(_ type: T.Type) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(stdout.utf8))
    }

    /// Stdout parsed as a JSON object.
    func object() throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: Data(stdout.utf8)) as? [String: Any] else {
            throw FixtureError("stdout is not a JSON object: \(stdout)")
        }
        return object
    }
}

/// Runs the built `ketenpoort` executable as a separate process, as an operator would.
enum CLIRunner {
    /// The executable `name` next to the test bundle (`.build/<config>/ketenpoort`, `…/ketenpoort-bench`).
    static func executable(_ name: String = "ketenpoort") throws -> URL {
        var candidates = [Bundle.main.bundleURL, URL(fileURLWithPath: CommandLine.arguments[0])]
        candidates += Bundle.allBundles.map(\.bundleURL)
        for start in candidates {
            var directory = start
            for _ in 0..<6 {
                let binary = directory.appendingPathComponent(name)
                var isDirectory: ObjCBool = false
                if FileManager.default.fileExists(atPath: binary.path, isDirectory: &isDirectory), !isDirectory.boolValue,
                   FileManager.default.isExecutableFile(atPath: binary.path) {
                    return binary
                }
                directory = directory.deletingLastPathComponent()
            }
        }
        throw FixtureError("no \(name) executable near \(Bundle.main.bundleURL.path); run swift build first")
    }

    /// Runs `ketenpoort` (or the `program` built next to it, e.g. `ketenpoort-bench`) with `arguments` and waits for it to exit.
    static func run(_ arguments: [String], program: String = "ketenpoort") async throws -> CLIResult {
        let process = Process()
        process.executableURL = try executable(program)
        process.arguments = arguments
        let base = NSTemporaryDirectory() + "kp-cli-out-" + UUID().uuidString
        _ = FileManager.default.createFile(atPath: base + ".out", contents: nil)
        _ = FileManager.default.createFile(atPath: base + ".err", contents: nil)
        defer {
            try? FileManager.default.removeItem(atPath: base + ".out")
            try? FileManager.default.removeItem(atPath: base + ".err")
        }
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: base + ".out"))
        let err = try FileHandle(forWritingTo: URL(fileURLWithPath: base + ".err"))
        process.standardOutput = out
        process.standardError = err
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { finished in continuation.resume(returning: finished.terminationStatus) }
            do { try process.run() } catch { continuation.resume(throwing: error) }
        }
        try out.close()
        try err.close()
        return CLIResult(
            status: status,
            stdout: String(decoding: FileManager.default.contents(atPath: base + ".out") ?? Data(), as: UTF8.self),
            stderr: String(decoding: FileManager.default.contents(atPath: base + ".err") ?? Data(), as: UTF8.self))
    }
}

/// A fresh state directory with an opened store, removed after the test.
func makeStore(_ test: XCTestCase) throws -> (directory: String, store: SQLiteStore) {
    let directory = NSTemporaryDirectory() + "kp-cli-state-" + UUID().uuidString
    let store = try SQLiteStore.open(stateDirectory: directory)
    test.addTeardownBlock {
        try? store.close()
        try? FileManager.default.removeItem(atPath: directory)
    }
    return (directory, store)
}
