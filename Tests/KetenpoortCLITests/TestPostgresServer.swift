import Foundation
import XCTest

/// The throw-away PostgreSQL server that `scripts/test` starts (scripts/postgres-test-cluster), from its environment.
struct TestPostgresServer {
    let host: String
    let port: Int
    let user: String
    let passwordFile: String
    let caFile: String
    let binDirectory: String

    /// The server named by `KETENPOORT_TEST_POSTGRES_*`; fails (never skips) when they are not set.
    static func fromEnvironment() throws -> TestPostgresServer {
        let environment = ProcessInfo.processInfo.environment
        func value(_ name: String) throws -> String {
            guard let value = environment["KETENPOORT_TEST_POSTGRES_\(name)"], !value.isEmpty else {
                throw FixtureError("KETENPOORT_TEST_POSTGRES_\(name) is not set: run the tests with scripts/test, or first "
                                   + "`source \"$(scripts/postgres-test-cluster start)\"`")
            }
            return value
        }
        guard let port = Int(try value("PORT")) else { throw FixtureError("KETENPOORT_TEST_POSTGRES_PORT is not a number") }
        return TestPostgresServer(host: try value("HOST"), port: port, user: try value("USER"), passwordFile: try value("PASSWORD_FILE"),
                                  caFile: try value("CA_FILE"), binDirectory: try value("BIN"))
    }

    /// Creates an empty database with a fresh name, dropped after `test`.
    func freshDatabase(for test: XCTestCase) throws -> String {
        let name = "kp_cli_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
        try run("createdb", [name])
        test.addTeardownBlock { try? self.run("dropdb", ["--force", name]) }
        return name
    }

    /// Runs a PostgreSQL client program (`createdb`, `dropdb`) against the server as the test role.
    private func run(_ program: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binDirectory).appendingPathComponent(program)
        process.arguments = ["-h", host, "-p", String(port), "-U", user] + arguments
        let password = String(decoding: try Data(contentsOf: URL(fileURLWithPath: passwordFile)), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        process.environment = ProcessInfo.processInfo.environment.merging(["PGPASSWORD": password, "PGSSLMODE": "require"]) { $1 }
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        let output = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw FixtureError("\(program) \(arguments.joined(separator: " ")) failed: \(output)") }
    }
}
