import Foundation
import KetenpoortStore
import XCTest

/// A store filled by the real pipeline: one message per example, with known ids per partner.
struct FilledStore {
    /// The state directory.
    let directory: String
    /// The store (the test's own connection).
    let store: SQLiteStore
    /// Message id per recipient partner.
    let messageByPartner: [String: String]

    /// The message routed to `partner`.
    func message(_ partner: String) throws -> String {
        guard let id = messageByPartner[partner] else { throw FixtureError("no message for \(partner)") }
        return id
    }

    /// Accepts the four intake examples; the Haaglanden one was received `haaglandenAge` ago.
    static func make(_ test: XCTestCase, haaglandenAge: TimeInterval = 0) async throws -> FilledStore {
        let (directory, store) = try makeStore(test)
        var byPartner: [String: String] = [:]
        for example in PipelineFixture.examples {
            let age = example.contains("haaglanden") ? haaglandenAge : 0
            let (id, recipients) = try await PipelineFixture.accept(example, into: store, receivedAgo: age)
            for partner in recipients { byPartner[partner] = id }
        }
        return FilledStore(directory: directory, store: store, messageByPartner: byPartner)
    }

    /// Runs the CLI with `--state-dir` of this store appended.
    func cli(_ arguments: String...) async throws -> CLIResult {
        try await CLIRunner.run(arguments + ["--state-dir", directory])
    }

    /// The audit events of a message, in order.
    func events(_ messageId: String) async throws -> [String] {
        try await store.auditTrail(messageId: messageId).map(\.event)
    }
}

/// Asserts an exit status, showing the output when it differs.
func assertExit(_ result: CLIResult, _ status: Int32, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(result.status, status, "stdout: \(result.stdout)\nstderr: \(result.stderr)", file: file, line: line)
}
