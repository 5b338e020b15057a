import Crypto
import _CryptoExtras
import Foundation
import GRDB
import KetenpoortStore
import XCTest

final class AuditChainTests: XCTestCase {
    private let signer = SoftwareCheckpointSigner(p256: P256.Signing.PrivateKey())

    /// A store with 10 messages (20 audit records) and a checkpoint at its head; closed.
    private func populatedStore(checkpoint: Bool = true) async throws -> String {
        let directory = try makeStateDirectory(self)
        let store = try SQLiteStore.open(stateDirectory: directory)
        for index in 0..<10 {
            _ = try await store.accept(makeMessage(id: "A-\(index)"), recipients: ["SHN"])
        }
        if checkpoint {
            let made = try await store.checkpoint(signer: signer, now: testEpoch)
            XCTAssertEqual(made?.sequence, 20)
        }
        try store.close()
        return directory
    }

    /// Runs raw SQL against the database as an attacker would, with the append-only triggers dropped.
    private func tamper(
        _ directory: String, _ sql: String, arguments: StatementArguments = [], keepTriggers: Bool = false
    ) throws {
        let pool = try DatabasePool(path: directory + "/" + SQLiteStore.databaseFileName)
        defer { try? pool.close() }
        try pool.write { db in
            if !keepTriggers {
                try db.execute(sql: """
                    DROP TRIGGER IF EXISTS audit_no_update; DROP TRIGGER IF EXISTS audit_no_delete;
                    DROP TRIGGER IF EXISTS checkpoints_no_update
                    """)
            }
            try db.execute(sql: sql, arguments: arguments)
        }
    }

    private func verify(_ directory: String) async throws -> AuditVerificationReport {
        let store = try SQLiteStore.openWithoutKeys(stateDirectory: directory)
        defer { try? store.close() }
        let verifier = try SoftwareCheckpointVerifier(spkiDER: signer.publicKeyDER)
        return try await store.verifyAuditChain(verifier: verifier, pageSize: 7)
    }

    func testIntactChainVerifies() async throws {
        let report = try await verify(try await populatedStore())
        XCTAssertTrue(report.isIntact, "\(String(describing: report.firstBreak))")
        XCTAssertEqual(report.recordCount, 20)
        XCTAssertEqual(report.checkpointCount, 1)
    }

    func testAuditTableRefusesUpdatesAndDeletes() async throws {
        let directory = try await populatedStore()
        XCTAssertThrowsError(try tamper(directory, "UPDATE audit SET detail = 'x' WHERE seq = 3", keepTriggers: true))
        XCTAssertThrowsError(try tamper(directory, "DELETE FROM audit WHERE seq = 3", keepTriggers: true))
    }

    func testAlteredRecordIsDetected() async throws {
        let directory = try await populatedStore()
        try tamper(directory, "UPDATE audit SET detail = detail || ' forged' WHERE seq = 5")
        let report = try await verify(directory)
        XCTAssertEqual(report.firstBreak?.sequence, 5)
        XCTAssertEqual(report.firstBreak?.rule, "hash")
    }

    func testAlteredRecordWithRecomputedHashIsDetected() async throws {
        let directory = try await populatedStore()
        // The attacker also recomputes the record's own hash; the next record's link breaks.
        let store = try SQLiteStore.openWithoutKeys(stateDirectory: directory)
        let records = try await store.auditRecords(afterSequence: 4, limit: 1)
        var record = try XCTUnwrap(records.first)
        try store.close()
        record.detail += " forged"
        let newHash = AuditEncoding.recomputeHash(of: record)
        try tamper(directory, "UPDATE audit SET detail = ?, hash = ? WHERE seq = 5", arguments: [record.detail, newHash])
        let report = try await verify(directory)
        XCTAssertEqual(report.firstBreak?.sequence, 6)
        XCTAssertEqual(report.firstBreak?.rule, "previous-hash")
    }

    func testDeletedRecordIsDetected() async throws {
        let directory = try await populatedStore()
        try tamper(directory, "DELETE FROM audit WHERE seq = 7")
        let report = try await verify(directory)
        XCTAssertEqual(report.firstBreak?.sequence, 7)
        XCTAssertEqual(report.firstBreak?.rule, "deleted")
    }

    func testInsertedRecordIsDetected() async throws {
        let directory = try await populatedStore()
        // Shift records 8… up by one and insert a well-formed record at 8, chained to record 7.
        let store = try SQLiteStore.openWithoutKeys(stateDirectory: directory)
        let records = try await store.auditRecords(afterSequence: 6, limit: 1)
        let seven = try XCTUnwrap(records.first)
        try store.close()
        let hash = AuditEncoding.hash(
            previousHash: seven.hash, sequence: 8, timeMillis: seven.timeMillis, event: "delivery.delivered",
            messageId: "A-3", partner: "SHN", actor: "system", detail: "delivery=4 forged")
        try tamper(directory, "UPDATE audit SET seq = seq + 1000 WHERE seq >= 8")
        try tamper(directory, "UPDATE audit SET seq = seq - 999 WHERE seq >= 1000")
        try tamper(
            directory,
            "INSERT INTO audit (seq, time_ms, event, message_id, partner, actor, detail, prev_hash, hash) VALUES (8, ?, 'delivery.delivered', 'A-3', 'SHN', 'system', 'delivery=4 forged', ?, ?)",
            arguments: [seven.timeMillis, seven.hash, hash])
        let report = try await verify(directory)
        XCTAssertEqual(report.firstBreak?.sequence, 9)
        XCTAssertEqual(report.firstBreak?.rule, "previous-hash")
    }

    func testReorderedRecordsAreDetected() async throws {
        let directory = try await populatedStore()
        // Swap the contents of records 3 and 4, keeping their sequence numbers.
        try tamper(directory, "UPDATE audit SET seq = -3 WHERE seq = 3")
        try tamper(directory, "UPDATE audit SET seq = 3 WHERE seq = 4")
        try tamper(directory, "UPDATE audit SET seq = 4 WHERE seq = -3")
        let report = try await verify(directory)
        XCTAssertEqual(report.firstBreak?.sequence, 3)
    }

    func testTruncationAfterCheckpointIsDetected() async throws {
        let directory = try await populatedStore()
        try tamper(directory, "DELETE FROM audit WHERE seq > 17")
        let report = try await verify(directory)
        XCTAssertEqual(report.firstBreak?.rule, "truncated")
        XCTAssertEqual(report.firstBreak?.sequence, 18)
        XCTAssertEqual(report.firstBreak?.checkpointId, 1)
    }

    func testTruncationWithoutCheckpointIsOnlyCaughtByCheckpoints() async throws {
        let directory = try await populatedStore(checkpoint: false)
        try tamper(directory, "DELETE FROM audit WHERE seq > 17")
        let report = try await verify(directory)
        XCTAssertTrue(report.isIntact, "without a checkpoint a cut-off tail is indistinguishable; that is why checkpoints exist")
    }

    func testForgedCheckpointSignatureIsDetected() async throws {
        let directory = try await populatedStore()
        try tamper(directory, "UPDATE audit_checkpoints SET time_ms = time_ms + 1")
        let report = try await verify(directory)
        XCTAssertEqual(report.firstBreak?.rule, "checkpoint-signature")
    }

    func testCheckpointByAnotherKeyIsDetected() async throws {
        let directory = try await populatedStore()
        let store = try SQLiteStore.openWithoutKeys(stateDirectory: directory)
        let other = try SoftwareCheckpointVerifier(spkiDER: P256.Signing.PrivateKey().publicKey.derRepresentation)
        let report = try await store.verifyAuditChain(verifier: other)
        XCTAssertEqual(report.firstBreak?.rule, "checkpoint-key")
    }

    func testCheckpointIsSkippedWhenHeadIsAlreadySigned() async throws {
        let store = try SQLiteStore.open(stateDirectory: try makeStateDirectory(self))
        let empty = try await store.checkpoint(signer: signer, now: testEpoch)
        XCTAssertNil(empty, "an empty chain has nothing to sign")
        _ = try await store.accept(makeMessage(id: "C-1"), recipients: ["SHN"])
        let first = try await store.checkpoint(signer: signer, now: testEpoch)
        let repeated = try await store.checkpoint(signer: signer, now: testEpoch)
        XCTAssertNotNil(first)
        XCTAssertNil(repeated)
    }

    func testRSACheckpointsVerify() async throws {
        let rsa = SoftwareCheckpointSigner(rsa: try _RSA.Signing.PrivateKey(keySize: .bits2048))
        let store = try SQLiteStore.open(stateDirectory: try makeStateDirectory(self))
        _ = try await store.accept(makeMessage(id: "RSA-1"), recipients: ["SHN"])
        let checkpoint = try await store.checkpoint(signer: rsa, now: testEpoch)
        XCTAssertEqual(checkpoint?.algorithm, "rsa-pkcs1-sha256")
        let report = try await store.verifyAuditChain(verifier: try SoftwareCheckpointVerifier(spkiDER: rsa.publicKeyDER))
        XCTAssertTrue(report.isIntact, "\(String(describing: report.firstBreak))")
    }

    func testCanonicalEncodingIsStable() {
        // The example in docs/audit-format.md; an auditor's tool must produce the same hash.
        let hash = AuditEncoding.hash(
            previousHash: AuditEncoding.genesisHash, sequence: 1, timeMillis: 1_800_000_000_000,
            event: "message.accepted", messageId: "M-1", partner: "", actor: "system", detail: "kind=Zorgmelding")
        XCTAssertEqual(
            hash.map { String(format: "%02x", $0) }.joined(),
            "4cebcac6f701d15947764608b52c2310a96f7e7d365bcefe9eafbdf52cbe0d4f")
    }
}

final class AuditCheckpointerTests: XCTestCase {
    func testIntervalAndShutdownCheckpoints() async throws {
        let store = try SQLiteStore.open(stateDirectory: try makeStateDirectory(self))
        let signer = SoftwareCheckpointSigner(p256: P256.Signing.PrivateKey())
        let checkpointer = AuditCheckpointer(store: store, signer: signer)
        let loop = Task { try await checkpointer.run(every: .milliseconds(50)) }
        _ = try await store.accept(makeMessage(id: "CP-1"), recipients: ["SHN"])
        try await Task.sleep(for: .milliseconds(300))
        _ = try await store.accept(makeMessage(id: "CP-2"), recipients: ["SHN"])
        loop.cancel()
        try await loop.value
        let last = try await checkpointer.finalCheckpoint()
        let all = try await store.checkpoints()
        XCTAssertGreaterThanOrEqual(all.count, 1)
        XCTAssertEqual(all.last?.sequence, 4, "the shutdown checkpoint signs the final head")
        XCTAssertTrue(last != nil || all.last?.sequence == 4)
        let report = try await store.verifyAuditChain(verifier: try SoftwareCheckpointVerifier(spkiDER: signer.publicKeyDER))
        XCTAssertTrue(report.isIntact)
    }
}
