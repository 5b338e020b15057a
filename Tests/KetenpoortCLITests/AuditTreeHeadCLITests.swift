import Crypto
import Foundation
import GRDB
import KetenpoortStore
import XCTest

/// `audit prove`, `trail --proof`, `audit verify` on signed tree heads and `audit verify --state`, run as an operator would.
final class AuditTreeHeadCLITests: XCTestCase {
    private let key = P256.Signing.PrivateKey()
    private var signer: SoftwareCheckpointSigner { SoftwareCheckpointSigner(p256: key) }

    /// A store with `messages` accepted messages (two records each) and a tree head after every `headEvery` messages.
    private func filledStore(messages: Int, headEvery: Int) async throws -> (directory: String, store: SQLiteStore, publicKey: String) {
        let (directory, store) = try makeStore(self)
        for index in 0..<messages {
            _ = try await store.accept(makeMessage(id: "M-\(index)"), recipients: ["SHN"])
            if (index + 1) % headEvery == 0 {
                _ = try await store.checkpoint(signer: signer, now: Date())
            }
        }
        let publicKey = directory + "/gateway-public.pem"
        try key.publicKey.pemRepresentation.write(toFile: publicKey, atomically: true, encoding: .utf8)
        return (directory, store, publicKey)
    }

    private func makeMessage(id: String) -> IncomingMessage {
        let body = Data("<Zorgmelding id=\"\(id)\"/>".utf8)
        let now = Date()
        return IncomingMessage(id: id, kind: "Zorgmelding", senderOIN: "00000099000000000001", digest: Data(SHA256.hash(data: body)),
                               receivedAt: now, signedAt: now, urgent: false, payload: body, retentionDeadline: now.addingTimeInterval(86_400))
    }

    /// Runs raw SQL on the database file, as someone with write access to it could.
    private func runSQL(_ directory: String, _ sql: String, arguments: StatementArguments = []) throws {
        let pool = try DatabasePool(path: directory + "/" + SQLiteStore.databaseFileName)
        defer { try? pool.close() }
        try pool.write { db in try db.execute(sql: sql, arguments: arguments) }
    }

    private func hashes(_ value: Any?) throws -> [Data] {
        let texts = try XCTUnwrap(value as? [String])
        return try texts.map { try XCTUnwrap(Data(hexString: $0)) }
    }

    func testProveOutputsVerifyWithMerkleProofAgainstTheSignedRoots() async throws {
        let (directory, store, _) = try await filledStore(messages: 7, headEvery: 2)   // heads at sizes 4, 8, 12
        let heads = try await store.treeHeads()
        XCTAssertEqual(heads.map(\.treeSize), [4, 8, 12])

        let inclusion = try await CLIRunner.run(["audit", "prove", "--state-dir", directory, "--inclusion", "3", "--size", "12"])
        assertExit(inclusion, 0)
        let proved = try inclusion.object()
        let root = try XCTUnwrap(Data(hexString: try XCTUnwrap(proved["root_hash"] as? String)))
        XCTAssertEqual(root, heads[2].rootHash)
        let leaf = try XCTUnwrap(Data(hexString: try XCTUnwrap(proved["leaf_hash"] as? String)))
        XCTAssertTrue(MerkleProof.verifyInclusion(leafHash: leaf, index: 2, size: 12, proof: try hashes(proved["proof"]), root: root))
        XCTAssertEqual(proved["verified"] as? Bool, true)
        XCTAssertNotNil(proved["tree_head"], "the signed head of that size is included")

        let consistency = try await CLIRunner.run(["audit", "prove", "--state-dir", directory, "--consistency", "4", "12"])
        assertExit(consistency, 0)
        let shown = try consistency.object()
        XCTAssertEqual(shown["old_root"] as? String, heads[0].rootHash.hexString)
        XCTAssertEqual(shown["new_root"] as? String, heads[2].rootHash.hexString)
        XCTAssertTrue(MerkleProof.verifyConsistency(oldSize: 4, oldRoot: heads[0].rootHash, newSize: 12, newRoot: heads[2].rootHash,
                                                    proof: try hashes(shown["proof"])))

        let beyond = try await CLIRunner.run(["audit", "prove", "--state-dir", directory, "--inclusion", "3", "--size", "99"])
        XCTAssertNotEqual(beyond.status, 0)
        XCTAssertTrue(beyond.stderr.contains("beyond the audit chain"), beyond.stderr)
    }

    func testTrailProofShowsEachRecordVerifiedInTheLatestHead() async throws {
        let (directory, store, _) = try await filledStore(messages: 3, headEvery: 3)   // one head at size 6
        _ = try await store.accept(makeMessage(id: "M-late"), recipients: ["SHN"])   // records 7, 8: after the head
        let shown = try await CLIRunner.run(["trail", "M-1", "--state-dir", directory, "--proof"])
        assertExit(shown, 0)
        XCTAssertTrue(shown.stdout.contains("inclusion in the latest signed tree head: size 6"), shown.stdout)
        XCTAssertTrue(shown.stdout.contains("record 3: leaf 2, proof of 3 hash(es): verified"), shown.stdout)
        XCTAssertTrue(shown.stdout.contains("record 4: leaf 3, proof of 3 hash(es): verified"), shown.stdout)

        // A witness cosigned the head of size 6; a rewritten store no longer gives the root it holds.
        let latest = try await store.latestTreeHead()
        let head = try XCTUnwrap(latest)
        let witnessSigner = SoftwareCheckpointSigner(p256: P256.Signing.PrivateKey())
        let cosignature = try WitnessCosignature.sign(head, witness: "inspectie", witnessedMillis: head.timeMillis + 1, signer: witnessSigner)
        try await store.recordCosignature(witness: "inspectie", head: head, cosignature: cosignature, now: Date())
        var other = head
        other.rootHash = Data(repeating: 7, count: 32)     // what a witness holds after this host rewrote its trail
        let otherCosignature = try WitnessCosignature.sign(other, witness: "ketenpartner", witnessedMillis: head.timeMillis + 1,
                                                           signer: witnessSigner)
        try await store.recordCosignature(witness: "ketenpartner", head: other, cosignature: otherCosignature, now: Date())
        let witnessed = try await CLIRunner.run(["trail", "M-1", "--state-dir", directory, "--proof"])
        assertExit(witnessed, 0)
        XCTAssertTrue(witnessed.stdout.contains("record 3: leaf 2, proof of 3 hash(es): verified; witnessed by inspectie"), witnessed.stdout)
        XCTAssertTrue(witnessed.stdout.contains("witness inspectie: latest cosigned size 6, the store's root"), witnessed.stdout)
        XCTAssertTrue(witnessed.stdout.contains("witness ketenpartner: latest cosigned size 6, a root the store's records do NOT give"),
                      witnessed.stdout)

        let late = try await CLIRunner.run(["trail", "M-late", "--state-dir", directory, "--proof", "--json"])
        assertExit(late, 0)
        let inclusion = try XCTUnwrap(try late.object()["inclusion"] as? [String: Any])
        XCTAssertEqual(inclusion["not_yet_in_a_head"] as? [Int], [7, 8])
    }

    func testVerifyReportsADeletedMiddleCheckpointAndChecksTreeHeads() async throws {
        let (directory, store, publicKey) = try await filledStore(messages: 6, headEvery: 2)
        try store.close()
        let intact = try await CLIRunner.run(["audit", "verify", "--state-dir", directory, "--public-key", publicKey])
        assertExit(intact, 0)
        XCTAssertTrue(intact.stdout.contains("3 checkpoints verified"), intact.stdout)
        let reader = try SQLiteStore.openWithoutKeys(stateDirectory: directory)
        let newest = try await reader.latestTreeHead()
        try reader.close()
        let latest = try XCTUnwrap(newest)
        XCTAssertTrue(intact.stdout.contains("latest signed tree head: size 12, root \(latest.rootHash.hexString)"), intact.stdout)
        XCTAssertThrowsError(try runSQL(directory, "DELETE FROM audit_checkpoints WHERE id = 2"))
        try runSQL(directory, "DROP TRIGGER checkpoints_no_delete; DELETE FROM audit_checkpoints WHERE id = 2")
        let broken = try await CLIRunner.run(["audit", "verify", "--state-dir", directory, "--public-key", publicKey])
        assertExit(broken, 1)
        XCTAssertTrue(broken.stdout.contains("(checkpoint 2): checkpoint-deleted: checkpoint 2 is missing"), broken.stdout)
    }

    func testVerifyStateReportsADeliveredDeliveryEditedBackToQueued() async throws {
        let (directory, store, publicKey) = try await filledStore(messages: 2, headEvery: 2)
        let leased = try await store.leaseEveryPartner(owner: "test", perPartner: 5, leaseDuration: 60, now: Date())
        let first = try XCTUnwrap(leased.first)
        _ = try await store.deliver(first.delivery.id, owner: "test", token: first.token, receipt: Data("receipt".utf8), now: Date())
        let clean = try await CLIRunner.run(["audit", "verify", "--state-dir", directory, "--public-key", publicKey, "--state"])
        assertExit(clean, 0)
        XCTAssertTrue(clean.stdout.contains("OK: every delivery's state"), clean.stdout)

        try store.close()
        try runSQL(directory, "UPDATE deliveries SET state = 'queued', due_ms = 0 WHERE id = ?", arguments: [first.delivery.id])
        let edited = try await CLIRunner.run(["audit", "verify", "--state-dir", directory, "--public-key", publicKey, "--state"])
        assertExit(edited, 1)
        XCTAssertTrue(edited.stdout.contains(
            "delivery \(first.delivery.id) (message \(first.delivery.messageId), partner SHN): the table says queued after 1 attempt(s); "
                + "the trail says delivered after 1"), edited.stdout)
        let withoutState = try await CLIRunner.run(["audit", "verify", "--state-dir", directory, "--public-key", publicKey])
        assertExit(withoutState, 0)
    }
}
