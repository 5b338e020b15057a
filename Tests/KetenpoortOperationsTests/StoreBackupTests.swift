import Foundation
import KetenpoortOperations
import KetenpoortStore
import KetenpoortTesting
import XCTest

/// `store backup`: a copy of one moment, taken while a writer goes on, that opens with its own keys and verifies.
final class StoreBackupTests: XCTestCase {
    private let now = Date(timeIntervalSince1970: 1_800_000_000)

    private func temporaryStore() throws -> TemporaryStore {
        let temporary = try TemporaryStore()
        addTeardownBlock { temporary.remove() }
        return temporary
    }

    private func backupDirectory() -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kp-backup-\(UUID().uuidString)").path
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    private func mode(_ path: String) throws -> Int {
        try XCTUnwrap((try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue)
    }

    func testABackupTakenWhileMessagesArriveOpensWithItsKeysAndVerifies() async throws {
        let temporary = try temporaryStore()
        var before: [String] = []
        for _ in 0..<50 { before.append(try await temporary.accept(partners: ["shn", "vt-utrecht"], receivedAt: now)) }
        let store = temporary.store
        let receivedAt = now
        let arrivals = Task {
            for _ in 0..<150 { _ = try await temporary.accept(partners: ["shn"], receivedAt: receivedAt) }
        }
        let target = backupDirectory()
        let report = try await StoreBackup(stateDirectory: temporary.directory, target: target, verifier: nil).run()
        try await arrivals.value

        XCTAssertTrue(report.chain.isIntact)
        XCTAssertEqual(report.written.payloadKeys, 1)
        XCTAssertGreaterThanOrEqual(report.deliveries, 100, "every message accepted before the backup is in it")
        XCTAssertLessThanOrEqual(report.deliveries, 250)
        XCTAssertEqual(try mode(target), 0o700)
        XCTAssertEqual(try mode(target + "/" + SQLiteStore.databaseFileName), 0o600)
        XCTAssertEqual(try mode(target + "/keys/active"), 0o600)

        // Restored as a state directory, the copy opens as the daemon opens it and decrypts what it holds.
        let restored = try SQLiteStore.open(stateDirectory: target)
        defer { try? restored.close() }
        for id in before.prefix(5) {
            let original = try await store.payload(messageId: id)
            let copied = try await restored.payload(messageId: id)
            XCTAssertNotNil(copied)
            XCTAssertEqual(copied, original)
        }
        let copiedHead = try await restored.auditHeadSequence()
        XCTAssertEqual(copiedHead, report.chain.recordCount)
        let liveHead = try await store.auditHeadSequence()
        XCTAssertGreaterThanOrEqual(liveHead, copiedHead, "the live store went on writing")
    }

    func testANonEmptyTargetIsRefusedAndLeftAsItWas() async throws {
        let temporary = try temporaryStore()
        try await temporary.accept(partners: ["shn"], receivedAt: now)
        let target = backupDirectory()
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
        try Data("keep me".utf8).write(to: URL(fileURLWithPath: target + "/notes.txt"))
        do {
            _ = try await StoreBackup(stateDirectory: temporary.directory, target: target, verifier: nil).run()
            XCTFail("a backup into a non-empty directory was made")
        } catch let failure as OperatorFailure {
            XCTAssertEqual(failure.exitCode, OperatorExit.usage)
            XCTAssertTrue(failure.description.contains("is not empty"), failure.description)
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: target), ["notes.txt"])
    }

    func testABackupWithoutItsPayloadKeysIsReportedAsNotRestorable() async throws {
        let temporary = try temporaryStore()
        try await temporary.accept(partners: ["shn"], receivedAt: now)
        // A state directory whose keys are gone (lost disk, wrong copy): the backup is written but cannot be restored.
        try FileManager.default.removeItem(atPath: temporary.directory + "/" + SQLiteStore.keyDirectoryName)
        let target = backupDirectory()
        do {
            _ = try await StoreBackup(stateDirectory: temporary.directory, target: target, verifier: nil).run()
            XCTFail("a backup without payload keys was called good")
        } catch let failure as OperatorFailure {
            XCTAssertEqual(failure.exitCode, OperatorExit.refused)
            XCTAssertTrue(failure.description.contains("does not open with its payload keys"), failure.description)
        }
    }
    func testAFailedBackupLeavesNoHalfCopyBehind() async throws {
        let temporary = try temporaryStore()
        try await temporary.accept(partners: ["shn"], receivedAt: now)
        // A key file others may read is refused, after the database was already copied: the copy must not stay.
        let keys = temporary.directory + "/" + SQLiteStore.keyDirectoryName
        let keyFile = try XCTUnwrap(try FileManager.default.contentsOfDirectory(atPath: keys).first { $0.hasPrefix("payload-") })
        XCTAssertEqual(chmod(keys + "/" + keyFile, 0o644), 0)
        let target = backupDirectory()
        do {
            _ = try await StoreBackup(stateDirectory: temporary.directory, target: target, verifier: nil).run()
            XCTFail("a backup with an unreadable key was called good")
        } catch let failure as OperatorFailure {
            XCTAssertEqual(failure.exitCode, OperatorExit.usage)
            XCTAssertTrue(failure.description.contains("no backup was made") && failure.description.contains(keyFile), failure.description)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: target), "the directory the backup created is removed again")
    }
}
