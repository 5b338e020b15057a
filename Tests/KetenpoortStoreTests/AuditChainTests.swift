import Crypto
import _CryptoExtras
import Foundation
import KetenpoortStore
import KetenpoortTesting
import XCTest

/// The audit hash chain and its checkpoints: intact chains verify, and every kind of tampering is detected.
struct AuditChainSuite {
    let fixture: StoreFixture
    private let signer = SoftwareCheckpointSigner(p256: P256.Signing.PrivateKey())

    init(fixture: StoreFixture) { self.fixture = fixture }

    /// Fills the store with 10 messages (20 audit records) and a checkpoint at its head, then closes it.
    private func populate(checkpoint: Bool = true) async throws {
        let store = try await fixture.open()
        for index in 0..<10 {
            _ = try await store.accept(makeMessage(id: "A-\(index)"), recipients: ["SHN"])
        }
        if checkpoint {
            let made = try await store.checkpoint(signer: signer, now: testEpoch)
            XCTAssertEqual(made?.sequence, 20)
        }
        await fixture.close(store)
    }

    /// Verifies the chain through a read-only store without payload keys, as `ketenpoort audit verify` does.
    private func verify() async throws -> AuditVerificationReport {
        let store = try await fixture.open(access: .readOnly, payloadKeys: false)
        let verifier = try SoftwareCheckpointVerifier(spkiDER: signer.publicKeyDER)
        let report = try await store.verifyAuditChain(verifier: verifier, pageSize: 7)
        await fixture.close(store)
        return report
    }

    func intactChainVerifies() async throws {
        try await populate()
        let report = try await verify()
        XCTAssertTrue(report.isIntact, "\(String(describing: report.firstBreak))")
        XCTAssertEqual(report.recordCount, 20)
        XCTAssertEqual(report.checkpointCount, 1)
    }

    func auditTableRefusesUpdatesAndDeletes() async throws {
        try await populate()
        for sql in ["UPDATE audit SET detail = 'x' WHERE seq = 3", "DELETE FROM audit WHERE seq = 3"] {
            do {
                try await fixture.tamper(sql, disablingGuards: false)
                XCTFail("\(sql) must be refused")
            } catch {
                XCTAssertTrue("\(error)".contains("append-only"), "\(error)")
            }
        }
        let report = try await verify()
        XCTAssertTrue(report.isIntact, "\(String(describing: report.firstBreak))")
    }

    func alteredRecordIsDetected() async throws {
        try await populate()
        try await fixture.tamper("UPDATE audit SET detail = detail || ' forged' WHERE seq = 5")
        let report = try await verify()
        XCTAssertEqual(report.firstBreak?.sequence, 5)
        XCTAssertEqual(report.firstBreak?.rule, "hash")
    }

    func alteredRecordWithRecomputedHashIsDetected() async throws {
        try await populate()
        // The attacker also recomputes the record's own hash; the next record's link breaks.
        let store = try await fixture.open(access: .readOnly, payloadKeys: false)
        let records = try await store.auditRecords(afterSequence: 4, limit: 1)
        var record = try XCTUnwrap(records.first)
        await fixture.close(store)
        record.detail += " forged"
        let newHash = AuditEncoding.recomputeHash(of: record)
        try await fixture.tamper("UPDATE audit SET detail = ?, hash = ? WHERE seq = 5", [.text(record.detail), .bytes(newHash)])
        let report = try await verify()
        XCTAssertEqual(report.firstBreak?.sequence, 6)
        XCTAssertEqual(report.firstBreak?.rule, "previous-hash")
    }

    func deletedRecordIsDetected() async throws {
        try await populate()
        try await fixture.tamper("DELETE FROM audit WHERE seq = 7")
        let report = try await verify()
        XCTAssertEqual(report.firstBreak?.sequence, 7)
        XCTAssertEqual(report.firstBreak?.rule, "deleted")
    }

    func insertedRecordIsDetected() async throws {
        try await populate()
        // Shift records 8… up by one and insert a well-formed record at 8, chained to record 7.
        let store = try await fixture.open(access: .readOnly, payloadKeys: false)
        let records = try await store.auditRecords(afterSequence: 6, limit: 1)
        let seven = try XCTUnwrap(records.first)
        await fixture.close(store)
        let hash = AuditEncoding.hash(
            previousHash: seven.hash, sequence: 8, timeMillis: seven.timeMillis, event: "delivery.delivered",
            messageId: "A-3", partner: "SHN", actor: "system", detail: "delivery=4 forged")
        try await fixture.tamper("UPDATE audit SET seq = seq + 1000 WHERE seq >= 8")
        try await fixture.tamper("UPDATE audit SET seq = seq - 999 WHERE seq >= 1000")
        try await fixture.tamper(
            "INSERT INTO audit (seq, time_ms, event, message_id, partner, actor, detail, prev_hash, hash) VALUES (8, ?, 'delivery.delivered', 'A-3', 'SHN', 'system', 'delivery=4 forged', ?, ?)",
            [.integer(seven.timeMillis), .bytes(seven.hash), .bytes(hash)])
        let report = try await verify()
        XCTAssertEqual(report.firstBreak?.sequence, 9)
        XCTAssertEqual(report.firstBreak?.rule, "previous-hash")
    }

    func reorderedRecordsAreDetected() async throws {
        try await populate()
        // Swap the contents of records 3 and 4, keeping their sequence numbers.
        try await fixture.tamper("UPDATE audit SET seq = -3 WHERE seq = 3")
        try await fixture.tamper("UPDATE audit SET seq = 3 WHERE seq = 4")
        try await fixture.tamper("UPDATE audit SET seq = 4 WHERE seq = -3")
        let report = try await verify()
        XCTAssertEqual(report.firstBreak?.sequence, 3)
    }

    func truncationAfterCheckpointIsDetected() async throws {
        try await populate()
        try await fixture.tamper("DELETE FROM audit WHERE seq > 17")
        let report = try await verify()
        XCTAssertEqual(report.firstBreak?.rule, "truncated")
        XCTAssertEqual(report.firstBreak?.sequence, 18)
        XCTAssertEqual(report.firstBreak?.checkpointId, 1)
    }

    func truncationWithoutCheckpointIsOnlyCaughtByCheckpoints() async throws {
        try await populate(checkpoint: false)
        try await fixture.tamper("DELETE FROM audit WHERE seq > 17")
        let report = try await verify()
        XCTAssertTrue(report.isIntact, "without a checkpoint a cut-off tail is indistinguishable; that is why checkpoints exist")
    }

    func forgedCheckpointSignatureIsDetected() async throws {
        try await populate()
        try await fixture.tamper("UPDATE audit_checkpoints SET time_ms = time_ms + 1")
        let report = try await verify()
        XCTAssertEqual(report.firstBreak?.rule, "checkpoint-signature")
    }

    func checkpointByAnotherKeyIsDetected() async throws {
        try await populate()
        let store = try await fixture.open(access: .readOnly, payloadKeys: false)
        let other = try SoftwareCheckpointVerifier(spkiDER: P256.Signing.PrivateKey().publicKey.derRepresentation)
        let report = try await store.verifyAuditChain(verifier: other)
        XCTAssertEqual(report.firstBreak?.rule, "checkpoint-key")
    }

    func checkpointIsSkippedWhenHeadIsAlreadySigned() async throws {
        let store = try await fixture.open()
        let empty = try await store.checkpoint(signer: signer, now: testEpoch)
        XCTAssertNil(empty, "an empty chain has nothing to sign")
        _ = try await store.accept(makeMessage(id: "C-1"), recipients: ["SHN"])
        let first = try await store.checkpoint(signer: signer, now: testEpoch)
        let repeated = try await store.checkpoint(signer: signer, now: testEpoch)
        XCTAssertNotNil(first)
        XCTAssertNil(repeated)
    }

    func rsaCheckpointsVerify() async throws {
        let rsa = SoftwareCheckpointSigner(rsa: try _RSA.Signing.PrivateKey(keySize: .bits2048))
        let store = try await fixture.open()
        _ = try await store.accept(makeMessage(id: "RSA-1"), recipients: ["SHN"])
        let checkpoint = try await store.checkpoint(signer: rsa, now: testEpoch)
        XCTAssertEqual(checkpoint?.algorithm, "rsa-pkcs1-sha256")
        let report = try await store.verifyAuditChain(verifier: try SoftwareCheckpointVerifier(spkiDER: rsa.publicKeyDER))
        XCTAssertTrue(report.isIntact, "\(String(describing: report.firstBreak))")
    }

    func intervalAndShutdownCheckpoints() async throws {
        let store = try await fixture.open()
        let checkpointer = AuditCheckpointer(store: store, signer: signer)
        let loop = Task { try await checkpointer.run(every: .milliseconds(50)) }
        _ = try await store.accept(makeMessage(id: "CP-1"), recipients: ["SHN"])
        try await waitUntil("an interval checkpoint of the first message") { try await store.checkpoints().last?.sequence == 2 }
        _ = try await store.accept(makeMessage(id: "CP-2"), recipients: ["SHN"])
        loop.cancel()
        try await loop.value
        _ = try await checkpointer.finalCheckpoint()
        let all = try await store.checkpoints()
        XCTAssertEqual(all.first?.sequence, 2, "the interval checkpoint signs the head it saw")
        XCTAssertEqual(all.last?.sequence, 4, "the shutdown checkpoint signs the final head")
        let report = try await store.verifyAuditChain(verifier: try SoftwareCheckpointVerifier(spkiDER: signer.publicKeyDER))
        XCTAssertTrue(report.isIntact)
    }
}

final class AuditChainTests: XCTestCase {
    private func suite() async throws -> AuditChainSuite { AuditChainSuite(fixture: try await .make(.sqlite, for: self)) }

    func testIntactChainVerifies() async throws { try await suite().intactChainVerifies() }
    func testAuditTableRefusesUpdatesAndDeletes() async throws { try await suite().auditTableRefusesUpdatesAndDeletes() }
    func testAlteredRecordIsDetected() async throws { try await suite().alteredRecordIsDetected() }
    func testAlteredRecordWithRecomputedHashIsDetected() async throws { try await suite().alteredRecordWithRecomputedHashIsDetected() }
    func testDeletedRecordIsDetected() async throws { try await suite().deletedRecordIsDetected() }
    func testInsertedRecordIsDetected() async throws { try await suite().insertedRecordIsDetected() }
    func testReorderedRecordsAreDetected() async throws { try await suite().reorderedRecordsAreDetected() }
    func testTruncationAfterCheckpointIsDetected() async throws { try await suite().truncationAfterCheckpointIsDetected() }
    func testTruncationWithoutCheckpointIsOnlyCaughtByCheckpoints() async throws { try await suite().truncationWithoutCheckpointIsOnlyCaughtByCheckpoints() }
    func testForgedCheckpointSignatureIsDetected() async throws { try await suite().forgedCheckpointSignatureIsDetected() }
    func testCheckpointByAnotherKeyIsDetected() async throws { try await suite().checkpointByAnotherKeyIsDetected() }
    func testCheckpointIsSkippedWhenHeadIsAlreadySigned() async throws { try await suite().checkpointIsSkippedWhenHeadIsAlreadySigned() }
    func testRsaCheckpointsVerify() async throws { try await suite().rsaCheckpointsVerify() }

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

final class AuditChainTestsOnPostgres: XCTestCase {
    private func suite() async throws -> AuditChainSuite { AuditChainSuite(fixture: try await .make(.postgres, for: self)) }

    func testIntactChainVerifies() async throws { try await suite().intactChainVerifies() }
    func testAuditTableRefusesUpdatesAndDeletes() async throws { try await suite().auditTableRefusesUpdatesAndDeletes() }
    func testAlteredRecordIsDetected() async throws { try await suite().alteredRecordIsDetected() }
    func testAlteredRecordWithRecomputedHashIsDetected() async throws { try await suite().alteredRecordWithRecomputedHashIsDetected() }
    func testDeletedRecordIsDetected() async throws { try await suite().deletedRecordIsDetected() }
    func testInsertedRecordIsDetected() async throws { try await suite().insertedRecordIsDetected() }
    func testReorderedRecordsAreDetected() async throws { try await suite().reorderedRecordsAreDetected() }
    func testTruncationAfterCheckpointIsDetected() async throws { try await suite().truncationAfterCheckpointIsDetected() }
    func testTruncationWithoutCheckpointIsOnlyCaughtByCheckpoints() async throws { try await suite().truncationWithoutCheckpointIsOnlyCaughtByCheckpoints() }
    func testForgedCheckpointSignatureIsDetected() async throws { try await suite().forgedCheckpointSignatureIsDetected() }
    func testCheckpointByAnotherKeyIsDetected() async throws { try await suite().checkpointByAnotherKeyIsDetected() }
    func testCheckpointIsSkippedWhenHeadIsAlreadySigned() async throws { try await suite().checkpointIsSkippedWhenHeadIsAlreadySigned() }
    func testRsaCheckpointsVerify() async throws { try await suite().rsaCheckpointsVerify() }
}

final class AuditCheckpointerTests: XCTestCase {
    func testIntervalAndShutdownCheckpoints() async throws {
        try await AuditChainSuite(fixture: try await .make(.sqlite, for: self)).intervalAndShutdownCheckpoints()
    }
}

final class AuditCheckpointerTestsOnPostgres: XCTestCase {
    func testIntervalAndShutdownCheckpoints() async throws {
        try await AuditChainSuite(fixture: try await .make(.postgres, for: self)).intervalAndShutdownCheckpoints()
    }
}
