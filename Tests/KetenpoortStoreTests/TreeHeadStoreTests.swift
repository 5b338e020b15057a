import Crypto
import Foundation
import GRDB
import KetenpoortStore
import XCTest

/// Checkpoints as signed tree heads (KPCHECK2) in the SQLite store: roots, frontiers, proofs, append-only checkpoints,
/// old KPCHECK1 checkpoints, and the daemon's start-up check.
final class TreeHeadStoreTests: XCTestCase {
    private let signer = SoftwareCheckpointSigner(p256: P256.Signing.PrivateKey())
    private var verifier: SoftwareCheckpointVerifier {
        get throws { try SoftwareCheckpointVerifier(spkiDER: signer.publicKeyDER) }
    }

    private func accept(_ store: SQLiteStore, _ count: Int, prefix: String) async throws {
        for index in 0..<count {
            _ = try await store.accept(makeMessage(id: "\(prefix)-\(index)"), recipients: ["SHN"])
        }
    }

    /// The tree of every record, built from scratch.
    private func referenceTree(_ store: SQLiteStore) async throws -> MerkleTree {
        var tree = MerkleTree()
        for record in try await store.auditRecords(afterSequence: 0, limit: 100_000) {
            tree.append(leafData: record.hash)
        }
        return tree
    }

    /// Raw SQL as an attacker with write access would run it (triggers kept unless dropped in `sql`).
    private func tamper(_ directory: String, _ sql: String, arguments: StatementArguments = []) throws {
        let pool = try DatabasePool(path: directory + "/" + SQLiteStore.databaseFileName)
        defer { try? pool.close() }
        try pool.write { db in try db.execute(sql: sql, arguments: arguments) }
    }

    func testCheckpointsAreSignedTreeHeadsWhoseRootsAndFrontiersMatchTheTree() async throws {
        let store = try SQLiteStore.open(stateDirectory: try makeStateDirectory(self))
        try await accept(store, 3, prefix: "T")            // 6 records
        let firstMade = try await store.checkpoint(signer: signer, now: testEpoch)
        let first = try XCTUnwrap(firstMade)
        try await accept(store, 4, prefix: "U")            // 14 records; the next head extends the stored frontier
        let secondMade = try await store.checkpoint(signer: signer, now: testEpoch.addingTimeInterval(1))
        let second = try XCTUnwrap(secondMade)
        let tree = try await referenceTree(store)
        XCTAssertEqual(first.format, "KPCHECK2")
        XCTAssertEqual(first.treeHead?.treeSize, 6)
        XCTAssertEqual(first.treeHead?.rootHash, try tree.root(size: 6))
        XCTAssertEqual(second.treeHead?.treeSize, 14)
        XCTAssertEqual(second.treeHead?.rootHash, try tree.root(size: 14))
        XCTAssertTrue(try XCTUnwrap(second.treeHead).isValid(with: try verifier))
        let heads = try await store.treeHeads()
        XCTAssertEqual(heads, [first.treeHead, second.treeHead].compactMap { $0 })
        let latest = try await store.latestTreeHead()
        XCTAssertEqual(latest, second.treeHead)
        let stored = try await store.checkpoints()
        XCTAssertEqual(stored.map(\.frontier?.count), [2, 3], "6 = 4 + 2 and 14 = 8 + 4 + 2 leaves")
        let recomputed = try await store.rootHash(treeSize: 6)
        XCTAssertEqual(recomputed, first.treeHead?.rootHash)
        let report = try await store.verifyAuditChain(verifier: try verifier, pageSize: 5)
        XCTAssertTrue(report.isIntact, "\(String(describing: report.firstBreak))")
    }

    func testProofsFromTheStoreVerifyAgainstTheSignedRoots() async throws {
        let store = try SQLiteStore.open(stateDirectory: try makeStateDirectory(self))
        try await accept(store, 2, prefix: "P")            // 4 records
        let oldMade = try await store.checkpoint(signer: signer, now: testEpoch)
        let old = try XCTUnwrap(oldMade?.treeHead)
        try await accept(store, 3, prefix: "Q")            // 10 records
        let newMade = try await store.checkpoint(signer: signer, now: testEpoch)
        let new = try XCTUnwrap(newMade?.treeHead)
        let consistency = try await store.consistencyProof(oldSize: old.treeSize, newSize: new.treeSize)
        XCTAssertTrue(MerkleProof.verifyConsistency(
            oldSize: Int(old.treeSize), oldRoot: old.rootHash, newSize: Int(new.treeSize), newRoot: new.rootHash, proof: consistency))
        let records = try await store.auditRecords(afterSequence: 0, limit: 100)
        for record in records {
            let proof = try await store.inclusionProof(sequence: record.sequence, treeSize: new.treeSize)
            XCTAssertTrue(MerkleProof.verifyInclusion(
                leafHash: MerkleHash.leaf(record.hash), index: Int(record.sequence - 1), size: Int(new.treeSize),
                proof: proof, root: new.rootHash), "record \(record.sequence)")
        }
        await assertStoreError({ try await store.inclusionProof(sequence: 11, treeSize: 10) }) {
            if case .invalidArgument = $0 { return true } else { return false }
        }
        await assertStoreError({ try await store.consistencyProof(oldSize: 4, newSize: 11) }) {
            if case .invalidArgument = $0 { return true } else { return false }
        }
    }

    func testProofsEqualTheTreesForEverySizeWithAndWithoutStoredFrontiers() async throws {
        let store = try SQLiteStore.open(stateDirectory: try makeStateDirectory(self))
        for (round, messages) in [2, 1, 2, 2].enumerated() {               // heads at 4, 6, 10, 14 records
            try await accept(store, messages, prefix: "E\(round)")
            _ = try await store.checkpoint(signer: signer, now: testEpoch)
        }
        try await accept(store, 1, prefix: "F")                              // 16 records, the last two after every head
        let tree = try await referenceTree(store)
        XCTAssertEqual(tree.size, 16)
        for newSize in 1...16 {
            for oldSize in 1...newSize {
                let proof = try await store.consistencyProof(oldSize: Int64(oldSize), newSize: Int64(newSize))
                XCTAssertEqual(proof, try tree.consistencyProof(oldSize: oldSize, newSize: newSize), "\(oldSize) → \(newSize)")
            }
            for index in 0..<newSize {
                let proof = try await store.inclusionProof(sequence: Int64(index + 1), treeSize: Int64(newSize))
                XCTAssertEqual(proof, try tree.inclusionProof(index: index, size: newSize), "leaf \(index) of \(newSize)")
            }
        }
    }

    func testDeletedCheckpointIsRefusedAndIfForcedReported() async throws {
        let directory = try makeStateDirectory(self)
        let store = try SQLiteStore.open(stateDirectory: directory)
        for round in 0..<3 {
            try await accept(store, 1, prefix: "D\(round)")
            _ = try await store.checkpoint(signer: signer, now: testEpoch)
        }
        try store.close()
        XCTAssertThrowsError(try tamper(directory, "DELETE FROM audit_checkpoints WHERE id = 2")) { error in
            XCTAssertTrue("\(error)".contains("checkpoints are append-only"), "\(error)")
        }
        try tamper(directory, "DROP TRIGGER checkpoints_no_delete; DELETE FROM audit_checkpoints WHERE id = 2")
        let reopened = try SQLiteStore.openWithoutKeys(stateDirectory: directory)
        defer { try? reopened.close() }
        let report = try await reopened.verifyAuditChain(verifier: try verifier)
        XCTAssertEqual(report.firstBreak?.rule, "checkpoint-deleted")
        XCTAssertEqual(report.firstBreak?.checkpointId, 2)
        let atStart = try await reopened.auditStartCheck(verifier: try verifier)
        XCTAssertEqual(atStart?.rule, "guard-missing", "the dropped trigger is named first")
        XCTAssertTrue(atStart?.explanation.contains("checkpoints_no_delete") ?? false)
    }

    func testForgedRootIsReported() async throws {
        let directory = try makeStateDirectory(self)
        let store = try SQLiteStore.open(stateDirectory: directory)
        try await accept(store, 2, prefix: "R")
        _ = try await store.checkpoint(signer: signer, now: testEpoch)
        try store.close()
        try tamper(directory, "DROP TRIGGER checkpoints_no_update; UPDATE audit_checkpoints SET root_hash = zeroblob(32)")
        let reopened = try SQLiteStore.openWithoutKeys(stateDirectory: directory)
        defer { try? reopened.close() }
        let report = try await reopened.verifyAuditChain(verifier: try verifier)
        XCTAssertEqual(report.firstBreak?.rule, "checkpoint-root")
    }

    func testOldKPCHECK1CheckpointsKeepVerifyingNextToSignedTreeHeads() async throws {
        let directory = try makeStateDirectory(self)
        let store = try SQLiteStore.open(stateDirectory: directory)
        try await accept(store, 2, prefix: "K")
        let headMade = try await store.auditRecords(afterSequence: 3, limit: 1)
        let head = try XCTUnwrap(headMade.first)
        // A checkpoint as the previous version wrote it: KPCHECK1, no tree columns.
        let message = AuditEncoding.checkpointMessage(sequence: 4, headHash: head.hash, timeMillis: 1_800_000_000_000)
        try tamper(directory, """
            INSERT INTO audit_checkpoints (seq, head_hash, time_ms, algorithm, key_fingerprint, signature)
            VALUES (4, ?, 1800000000000, ?, ?, ?)
            """, arguments: [head.hash, signer.algorithm, signer.keyFingerprint, try signer.sign(message)])
        let startOnOld = try await store.auditStartCheck(verifier: try verifier)
        XCTAssertNil(startOnOld)
        try await accept(store, 1, prefix: "L")
        let nextMade = try await store.checkpoint(signer: signer, now: testEpoch)
        let next = try XCTUnwrap(nextMade)
        let tree = try await referenceTree(store)
        XCTAssertEqual(next.treeHead?.rootHash, try tree.root(), "a head after a KPCHECK1 checkpoint hashes from record 1")
        let checkpoints = try await store.checkpoints()
        XCTAssertEqual(checkpoints.map(\.format), ["KPCHECK1", "KPCHECK2"])
        let report = try await store.verifyAuditChain(verifier: try verifier)
        XCTAssertTrue(report.isIntact, "\(String(describing: report.firstBreak))")
        XCTAssertEqual(report.checkpointCount, 2)
    }

    func testStartCheckNamesTheFirstAlteredRecordAfterTheLastHead() async throws {
        let directory = try makeStateDirectory(self)
        let store = try SQLiteStore.open(stateDirectory: directory)
        try await accept(store, 2, prefix: "S")            // 4 records, signed
        _ = try await store.checkpoint(signer: signer, now: testEpoch)
        try await accept(store, 2, prefix: "V")            // records 5…8 after the head
        let intact = try await store.auditStartCheck(verifier: try verifier, pageSize: 3)
        XCTAssertNil(intact)
        try tamper(directory, "DROP TRIGGER audit_no_update; UPDATE audit SET detail = detail || ' forged' WHERE seq = 6")
        try tamper(directory, """
            CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END
            """)
        let problem = try await store.auditStartCheck(verifier: try verifier, pageSize: 3)
        XCTAssertEqual(problem?.sequence, 6)
        XCTAssertEqual(problem?.rule, "hash")
        let other = try SoftwareCheckpointVerifier(spkiDER: P256.Signing.PrivateKey().publicKey.derRepresentation)
        let wrongKey = try await store.auditStartCheck(verifier: other)
        XCTAssertEqual(wrongKey?.rule, "checkpoint-signature")
    }

    func testCheckpointerSignsAfterEveryNRecordsBeforeTheInterval() async throws {
        let store = try SQLiteStore.open(stateDirectory: try makeStateDirectory(self))
        let checkpointer = AuditCheckpointer(store: store, signer: signer)
        let loop = Task { try await checkpointer.run(every: .seconds(3600), everyRecords: 6, poll: .milliseconds(20)) }
        try await accept(store, 2, prefix: "N")            // 4 records: fewer than 6
        try await accept(store, 1, prefix: "O")            // 6 records: due
        let deadline = Date().addingTimeInterval(10)
        var checkpoints: [AuditCheckpoint] = []
        while checkpoints.isEmpty && Date() < deadline {
            try await Task.sleep(for: .milliseconds(20))
            checkpoints = try await store.checkpoints()
        }
        loop.cancel()
        try await loop.value
        XCTAssertEqual(checkpoints.count, 1, "a head is signed once 6 records follow the last one, long before the hour")
        XCTAssertGreaterThanOrEqual(checkpoints.first?.sequence ?? 0, 6)
    }
}
