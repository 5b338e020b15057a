import Crypto
import Foundation
import KetenpoortStore
import XCTest

/// `audit verify --against EXPORT`: the local tree compared with the tree heads of an `audit export` kept elsewhere.
final class WitnessAgainstExportTests: XCTestCase {
    private let key = P256.Signing.PrivateKey()
    private var signer: SoftwareCheckpointSigner { SoftwareCheckpointSigner(p256: key) }

    private func append(_ store: SQLiteStore, _ count: Int, tag: String) async throws {
        for index in 1...count {
            try await store.record(event: .payloadRead, messageId: "\(tag)-\(index)", partner: "", actor: .operator("tester"),
                                   detail: "test", now: Date())
        }
    }

    /// A store with heads at sizes 10 and 12, its public key file, and an export of it kept in another directory.
    private func exportedStore() async throws -> (directory: String, store: SQLiteStore, publicKey: String, export: String) {
        let (directory, store) = try makeStore(self)
        try await append(store, 10, tag: "first")
        _ = try await store.checkpoint(signer: signer, now: Date())
        try await append(store, 2, tag: "second")
        _ = try await store.checkpoint(signer: signer, now: Date())
        let publicKey = directory + "/gateway-public.pem"
        try key.publicKey.pemRepresentation.write(toFile: publicKey, atomically: true, encoding: .utf8)
        let exported = try await CLIRunner.run(["audit", "export", "--state-dir", directory])
        XCTAssertEqual(exported.status, 0, exported.stderr)
        let export = NSTemporaryDirectory() + "kp-export-\(UUID().uuidString).jsonl"
        try exported.stdout.write(toFile: export, atomically: true, encoding: .utf8)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: export) }
        return (directory, store, publicKey, export)
    }

    func testAnIntactTreeExtendsEveryExportedHead() async throws {
        let fixture = try await exportedStore()
        try await append(fixture.store, 3, tag: "later")
        let verified = try await CLIRunner.run(["audit", "verify", "--state-dir", fixture.directory, "--public-key", fixture.publicKey,
                                                "--against", fixture.export])
        XCTAssertEqual(verified.status, 0, verified.stdout + verified.stderr)
        XCTAssertTrue(verified.stdout.contains("the local tree extends all 2 of its heads (largest size 12)"), verified.stdout)
    }

    func testTailTruncationAndContinuedOperationNameTheFirstMissingSize() async throws {
        let fixture = try await exportedStore()
        let truncated = try sqlite(fixture.directory, """
            DROP TRIGGER audit_no_delete; DROP TRIGGER checkpoints_no_delete;
            DELETE FROM audit WHERE seq > 8; DELETE FROM audit_checkpoints WHERE seq > 8;
            """)
        XCTAssertEqual(truncated.status, 0, truncated.output)
        try await append(fixture.store, 1, tag: "after")
        _ = try await fixture.store.checkpoint(signer: signer, now: Date())
        let verified = try await CLIRunner.run(["audit", "verify", "--state-dir", fixture.directory, "--public-key", fixture.publicKey,
                                                "--against", fixture.export])
        XCTAssertEqual(verified.status, 1, verified.stdout + verified.stderr)
        XCTAssertTrue(verified.stdout.contains("truncated: first missing size 10"), verified.stdout)
    }

    func testAChainRebuiltAndResignedWithTheGatewayKeyIsReported() async throws {
        let fixture = try await exportedStore()
        // Another history of 12 records, signed with the same key: it verifies on its own.
        let (rebuilt, store) = try makeStore(self)
        try await append(store, 12, tag: "rebuilt")
        _ = try await store.checkpoint(signer: signer, now: Date())
        let alone = try await CLIRunner.run(["audit", "verify", "--state-dir", rebuilt, "--public-key", fixture.publicKey])
        XCTAssertEqual(alone.status, 0, alone.stdout + alone.stderr)
        let verified = try await CLIRunner.run(["audit", "verify", "--state-dir", rebuilt, "--public-key", fixture.publicKey,
                                                "--against", fixture.export])
        XCTAssertEqual(verified.status, 1, verified.stdout + verified.stderr)
        XCTAssertTrue(verified.stdout.contains("BROKEN: rewritten: the local tree's root at size 10"), verified.stdout)
    }

    private func sqlite(_ directory: String, _ sql: String) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        process.arguments = [directory + "/" + SQLiteStore.databaseFileName, sql]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
