import Crypto
import Foundation
import KetenpoortStore
import KetenpoortTesting
import XCTest

/// Checkpoints as signed tree heads (KPCHECK2) in the store: roots, frontiers, proofs, append-only checkpoints,
/// old KPCHECK1 checkpoints, and the daemon's start-up check.
struct TreeHeadStoreSuite {
    let fixture: StoreFixture
    private let signer = SoftwareCheckpointSigner(p256: P256.Signing.PrivateKey())
    private var verifier: SoftwareCheckpointVerifier {
        get throws { try SoftwareCheckpointVerifier(spkiDER: signer.publicKeyDER) }
    }

    init(fixture: StoreFixture) { self.fixture = fixture }

    private func accept(_ store: ConformanceStore, _ count: Int, prefix: String) async throws {
        for index in 0..<count {
            _ = try await store.accept(makeMessage(id: "\(prefix)-\(index)"), recipients: ["SHN"])
        }
    }

    /// The tree of every record, built from scratch.
    private func referenceTree(_ store: ConformanceStore) async throws -> MerkleTree {
        var tree = MerkleTree()
        for record in try await store.auditRecords(afterSequence: 0, limit: 100_000) {
            tree.append(leafData: record.hash)
        }
        return tree
    }

    func checkpointsAreSignedTreeHeadsWhoseRootsAndFrontiersMatchTheTree() async throws {
        let store = try await fixture.open()
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

    func proofsFromTheStoreVerifyAgainstTheSignedRoots() async throws {
        let store = try await fixture.open()
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

    func proofsEqualTheTreesForEverySizeWithAndWithoutStoredFrontiers() async throws {
        let store = try await fixture.open()
        for (round, messages) in [2, 1, 2, 2].enumerated() {               // heads at 4, 6, 10, 14 records
            try await accept(store, messages, prefix: "E\(round)")
            _ = try await store.checkpoint(signer: signer, now: testEpoch)
        }
        try await accept(store, 1, prefix: "F")                              // 16 records, the last two after every head
        let tree = try await referenceTree(store)
        XCTAssertEqual(tree.size, 16)
        // Every size is checked, and each failure is named, so one broken case does not hide the others.
        for newSize in 1...16 {
            for oldSize in 1...newSize {
                do {
                    let proof = try await store.consistencyProof(oldSize: Int64(oldSize), newSize: Int64(newSize))
                    XCTAssertEqual(proof, try tree.consistencyProof(oldSize: oldSize, newSize: newSize), "\(oldSize) → \(newSize)")
                } catch {
                    XCTFail("consistency proof \(oldSize) → \(newSize): \(error)")
                }
            }
            for index in 0..<newSize {
                do {
                    let proof = try await store.inclusionProof(sequence: Int64(index + 1), treeSize: Int64(newSize))
                    XCTAssertEqual(proof, try tree.inclusionProof(index: index, size: newSize), "leaf \(index) of \(newSize)")
                } catch {
                    XCTFail("inclusion proof of leaf \(index) in \(newSize): \(error)")
                }
            }
        }
    }

    func deletedCheckpointIsRefusedAndIfForcedReported() async throws {
        let store = try await fixture.open()
        for round in 0..<3 {
            try await accept(store, 1, prefix: "D\(round)")
            _ = try await store.checkpoint(signer: signer, now: testEpoch)
        }
        await fixture.close(store)
        do {
            try await fixture.tamper("DELETE FROM audit_checkpoints WHERE id = 2", disablingGuards: false)
            XCTFail("deleting a checkpoint must be refused")
        } catch {
            XCTAssertTrue("\(error)".contains("append-only"), "\(error)")
        }
        try await fixture.dropGuard("checkpoints_no_delete", on: "audit_checkpoints")
        try await fixture.tamper("DELETE FROM audit_checkpoints WHERE id = 2", disablingGuards: false)
        let reopened = try await fixture.open(access: .readOnly, payloadKeys: false)
        let report = try await reopened.verifyAuditChain(verifier: try verifier)
        XCTAssertEqual(report.firstBreak?.rule, "checkpoint-deleted")
        XCTAssertEqual(report.firstBreak?.checkpointId, 2)
        let atStart = try await reopened.auditStartCheck(verifier: try verifier)
        XCTAssertEqual(atStart?.rule, "guard-missing", "the dropped trigger is named first")
        XCTAssertTrue(atStart?.explanation.contains("checkpoints_no_delete") ?? false)
    }

    func forgedRootIsReported() async throws {
        let store = try await fixture.open()
        try await accept(store, 2, prefix: "R")
        _ = try await store.checkpoint(signer: signer, now: testEpoch)
        await fixture.close(store)
        try await fixture.tamper("UPDATE audit_checkpoints SET root_hash = ?", [.bytes(Data(count: 32))])
        let reopened = try await fixture.open(access: .readOnly, payloadKeys: false)
        let report = try await reopened.verifyAuditChain(verifier: try verifier)
        XCTAssertEqual(report.firstBreak?.rule, "checkpoint-root")
    }

    func oldKPCHECK1CheckpointsKeepVerifyingNextToSignedTreeHeads() async throws {
        let store = try await fixture.open()
        try await accept(store, 2, prefix: "K")
        let headMade = try await store.auditRecords(afterSequence: 3, limit: 1)
        let head = try XCTUnwrap(headMade.first)
        // A checkpoint as the previous version wrote it: KPCHECK1, no tree columns.
        let message = AuditEncoding.checkpointMessage(sequence: 4, headHash: head.hash, timeMillis: 1_800_000_000_000)
        try await fixture.tamper("""
            INSERT INTO audit_checkpoints (seq, head_hash, time_ms, algorithm, key_fingerprint, signature)
            VALUES (4, ?, 1800000000000, ?, ?, ?)
            """, [.bytes(head.hash), .text(signer.algorithm), .text(signer.keyFingerprint), .bytes(try signer.sign(message))])
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

    func startCheckNamesTheFirstAlteredRecordAfterTheLastHead() async throws {
        let store = try await fixture.open()
        try await accept(store, 2, prefix: "S")            // 4 records, signed
        _ = try await store.checkpoint(signer: signer, now: testEpoch)
        try await accept(store, 2, prefix: "V")            // records 5…8 after the head
        let intact = try await store.auditStartCheck(verifier: try verifier, pageSize: 3)
        XCTAssertNil(intact)
        // Altered with the guards off for that statement only; they are back afterwards.
        try await fixture.tamper("UPDATE audit SET detail = detail || ' forged' WHERE seq = 6")
        let problem = try await store.auditStartCheck(verifier: try verifier, pageSize: 3)
        XCTAssertEqual(problem?.sequence, 6)
        XCTAssertEqual(problem?.rule, "hash")
        let other = try SoftwareCheckpointVerifier(spkiDER: P256.Signing.PrivateKey().publicKey.derRepresentation)
        let wrongKey = try await store.auditStartCheck(verifier: other)
        XCTAssertEqual(wrongKey?.rule, "checkpoint-signature")
    }

    func checkpointerSignsAfterEveryNRecordsBeforeTheInterval() async throws {
        let store = try await fixture.open()
        let checkpointer = AuditCheckpointer(store: store, signer: signer)
        let loop = Task { try await checkpointer.run(every: .seconds(3600), everyRecords: 6, poll: .milliseconds(20)) }
        try await accept(store, 2, prefix: "N")            // 4 records: fewer than 6
        try await accept(store, 1, prefix: "O")            // 6 records: due
        try await waitUntil("a checkpoint after 6 records") { try await !store.checkpoints().isEmpty }
        let checkpoints = try await store.checkpoints()
        loop.cancel()
        try await loop.value
        XCTAssertEqual(checkpoints.count, 1, "a head is signed once 6 records follow the last one, long before the hour")
        XCTAssertGreaterThanOrEqual(checkpoints.first?.sequence ?? 0, 6)
    }
}

final class TreeHeadStoreTests: XCTestCase {
    private func suite() async throws -> TreeHeadStoreSuite { TreeHeadStoreSuite(fixture: try await .make(.sqlite, for: self)) }

    func testCheckpointsAreSignedTreeHeadsWhoseRootsAndFrontiersMatchTheTree() async throws { try await suite().checkpointsAreSignedTreeHeadsWhoseRootsAndFrontiersMatchTheTree() }
    func testProofsFromTheStoreVerifyAgainstTheSignedRoots() async throws { try await suite().proofsFromTheStoreVerifyAgainstTheSignedRoots() }
    func testProofsEqualTheTreesForEverySizeWithAndWithoutStoredFrontiers() async throws { try await suite().proofsEqualTheTreesForEverySizeWithAndWithoutStoredFrontiers() }
    func testDeletedCheckpointIsRefusedAndIfForcedReported() async throws { try await suite().deletedCheckpointIsRefusedAndIfForcedReported() }
    func testForgedRootIsReported() async throws { try await suite().forgedRootIsReported() }
    func testOldKPCHECK1CheckpointsKeepVerifyingNextToSignedTreeHeads() async throws { try await suite().oldKPCHECK1CheckpointsKeepVerifyingNextToSignedTreeHeads() }
    func testStartCheckNamesTheFirstAlteredRecordAfterTheLastHead() async throws { try await suite().startCheckNamesTheFirstAlteredRecordAfterTheLastHead() }
    func testCheckpointerSignsAfterEveryNRecordsBeforeTheInterval() async throws { try await suite().checkpointerSignsAfterEveryNRecordsBeforeTheInterval() }
}

final class TreeHeadStoreTestsOnPostgres: XCTestCase {
    private func suite() async throws -> TreeHeadStoreSuite { TreeHeadStoreSuite(fixture: try await .make(.postgres, for: self)) }

    func testCheckpointsAreSignedTreeHeadsWhoseRootsAndFrontiersMatchTheTree() async throws { try await suite().checkpointsAreSignedTreeHeadsWhoseRootsAndFrontiersMatchTheTree() }
    func testProofsFromTheStoreVerifyAgainstTheSignedRoots() async throws { try await suite().proofsFromTheStoreVerifyAgainstTheSignedRoots() }
    func testProofsEqualTheTreesForEverySizeWithAndWithoutStoredFrontiers() async throws { try await suite().proofsEqualTheTreesForEverySizeWithAndWithoutStoredFrontiers() }
    func testDeletedCheckpointIsRefusedAndIfForcedReported() async throws { try await suite().deletedCheckpointIsRefusedAndIfForcedReported() }
    func testForgedRootIsReported() async throws { try await suite().forgedRootIsReported() }
    func testOldKPCHECK1CheckpointsKeepVerifyingNextToSignedTreeHeads() async throws { try await suite().oldKPCHECK1CheckpointsKeepVerifyingNextToSignedTreeHeads() }
    func testStartCheckNamesTheFirstAlteredRecordAfterTheLastHead() async throws { try await suite().startCheckNamesTheFirstAlteredRecordAfterTheLastHead() }
    func testCheckpointerSignsAfterEveryNRecordsBeforeTheInterval() async throws { try await suite().checkpointerSignsAfterEveryNRecordsBeforeTheInterval() }
}
