import Foundation
import GRDB
import KetenpoortStore
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// Reading commands open the store read-only and work in a directory they cannot write; no operator command
/// migrates, and each refuses a store written by a newer ketenpoort; `store migrate` creates and migrates.
final class ReadOnlyCommandTests: XCTestCase {
    /// Runs `ketenpoort` as a user who cannot write `directory`: `nobody` when the tests run as root (root writes
    /// anywhere), else the test's own user.
    private func runWithoutWriteAccess(_ arguments: [String]) async throws -> CLIResult {
        guard geteuid() == 0 else { return try await CLIRunner.run(arguments) }
        let binary = try CLIRunner.executable().path
        let output = NSTemporaryDirectory() + "kp-ro-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: output) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
        process.arguments = ["--reuid=nobody", "--regid=nogroup", "--clear-groups", binary] + arguments
        _ = FileManager.default.createFile(atPath: output, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        process.waitUntilExit()
        try handle.close()
        let text = String(decoding: FileManager.default.contents(atPath: output) ?? Data(), as: UTF8.self)
        return CLIResult(status: process.terminationStatus, stdout: text, stderr: text)
    }

    func testReadingCommandsWorkInAReadOnlyStateDirectory() async throws {
        let filled = try await FilledStore.make(self)
        let id = try filled.message("shn")
        try filled.store.close()
        // As after a daemon that closed its store: the last connection checkpoints and removes -wal and -shm.
        let last = try DatabaseQueue(path: filled.directory + "/" + SQLiteStore.databaseFileName)
        try last.close()
        let copy = NSTemporaryDirectory() + "kp-ro-state-" + UUID().uuidString
        try FileManager.default.copyItem(atPath: filled.directory, toPath: copy)
        addTeardownBlock {
            chmod(copy, 0o700)
            try? FileManager.default.removeItem(atPath: copy)
        }
        let database = copy + "/" + SQLiteStore.databaseFileName
        XCTAssertFalse(FileManager.default.fileExists(atPath: database + "-wal"), "closed cleanly: no -wal")
        XCTAssertEqual(chmod(database, 0o444), 0)
        XCTAssertEqual(chmod(copy, 0o555), 0)
        let before = try FileManager.default.contentsOfDirectory(atPath: copy).sorted()

        let status = try await runWithoutWriteAccess(["queue", "status", "--state-dir", copy])
        assertExit(status, 0)
        XCTAssertTrue(status.stdout.contains("shn"), status.stdout)
        let trail = try await runWithoutWriteAccess(["trail", id, "--state-dir", copy])
        assertExit(trail, 0)
        XCTAssertTrue(trail.stdout.contains("message.accepted"), trail.stdout)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: copy).sorted(), before, "nothing was created")
    }

    func testOperatorCommandsRefuseANewerStoreAndNeverMigrate() async throws {
        let filled = try await FilledStore.make(self)
        let id = try filled.message("shn")
        try filled.store.close()
        let queue = try DatabaseQueue(path: filled.directory + "/" + SQLiteStore.databaseFileName)
        try await queue.write { db in try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v99-later')") }
        try queue.close()
        let status = try await filled.cli("queue", "status")
        let hold = try await filled.cli("queue", "hold", id, "--operator", "j.jansen", "--reason", "test")
        for result in [status, hold] {
            assertExit(result, 2)
            XCTAssertTrue(result.stderr.contains("was written by a newer ketenpoort"), result.stderr)
        }
    }

    func testStoreMigrateCreatesTheStoreThatReadingCommandsThenOpen() async throws {
        let directory = NSTemporaryDirectory() + "kp-migrate-" + UUID().uuidString
        addTeardownBlock { try? FileManager.default.removeItem(atPath: directory) }
        let before = try await CLIRunner.run(["queue", "status", "--state-dir", directory])
        assertExit(before, 2)
        XCTAssertTrue(before.stderr.contains("no store at"), before.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory + "/" + SQLiteStore.databaseFileName))
        let migrated = try await CLIRunner.run(["store", "migrate", "--state-dir", directory])
        assertExit(migrated, 0)
        XCTAssertTrue(migrated.stdout.contains(SQLiteStore.schemaVersions.last ?? "?"), migrated.stdout)
        let after = try await CLIRunner.run(["queue", "status", "--state-dir", directory])
        assertExit(after, 0)
        let mode = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: directory)[.posixPermissions] as? Int)
        XCTAssertEqual(mode, 0o700)
    }
}
