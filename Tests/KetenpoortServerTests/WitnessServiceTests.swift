import Foundation
import KetenpoortPKI
import KetenpoortServer
import KetenpoortStore
import KetenpoortTesting
import XCTest

/// The reference witness over real mutual TLS on loopback with its real SQLite ledger: what it accepts and refuses.
final class WitnessServiceTests: XCTestCase {
    func testAcceptsAConsistentSequenceOfHeadsAndCosignsEach() async throws {
        let witness = try await RunningWitness.start()
        let client = try WitnessTestKeys.gatewayClient(witness)
        let tree = TestTree(leaves: 7)
        let first = try tree.head(size: 3)
        guard case .cosigned(let answer) = try await client.post(.init(head: first, fromSize: 0, consistency: [])) else {
            return XCTFail("the first head was not cosigned")
        }
        XCTAssertEqual(answer.head, first)
        XCTAssertTrue(answer.cosignature.isValid(for: first, with: try WitnessTestKeys.witnessVerifier()))
        XCTAssertEqual(answer.cosignature.witness, "test-witness")

        let second = try tree.head(size: 7)
        let proof = try tree.tree.consistencyProof(oldSize: 3, newSize: 7)
        guard case .cosigned(let next) = try await client.post(.init(head: second, fromSize: 3, consistency: proof)) else {
            return XCTFail("the consistent head was not cosigned")
        }
        XCTAssertTrue(next.cosignature.isValid(for: second, with: try WitnessTestKeys.witnessVerifier()))
        // Posting the same head again is answered with the stored cosignature.
        guard case .cosigned(let again) = try await client.post(.init(head: second, fromSize: 7, consistency: [])) else {
            return XCTFail("re-posting the held head was refused")
        }
        XCTAssertEqual(again.cosignature, next.cosignature)
        let latest = try await client.latest(keySHA256: second.keySHA256)
        XCTAssertEqual(latest?.head, second)
        await client.shutdown()
        try await witness.stop()
    }

    func testAPostFromAnotherSizeGets409WithTheWitnessSize() async throws {
        let witness = try await RunningWitness.start()
        let client = try WitnessTestKeys.gatewayClient(witness)
        let tree = TestTree(leaves: 7)
        _ = try await client.post(.init(head: try tree.head(size: 3), fromSize: 0, consistency: []))
        guard case .staleFromSize(let size) = try await client.post(.init(head: try tree.head(size: 7), fromSize: 0, consistency: [])) else {
            return XCTFail("a stale from_size was not answered with 409")
        }
        XCTAssertEqual(size, 3)
        await client.shutdown()
        try await witness.stop()
    }

    func testRefusesAnInconsistentHeadAndAlerts() async throws {
        let witness = try await RunningWitness.start()
        let client = try WitnessTestKeys.gatewayClient(witness)
        let tree = TestTree(leaves: 7)
        _ = try await client.post(.init(head: try tree.head(size: 3), fromSize: 0, consistency: []))
        // Another history of 7 records, signed with the same gateway key, with a proof from its own size 3.
        let other = TestTree(leaves: 7, salt: "rewritten")
        let answer = try await client.post(.init(head: try other.head(size: 7), fromSize: 3,
                                                  consistency: try other.tree.consistencyProof(oldSize: 3, newSize: 7)))
        try assertRefused(answer, "inconsistent")
        XCTAssertTrue(witness.logs.lines.contains { $0.hasPrefix("error") && $0.contains("reason=inconsistent") }, "\(witness.logs.lines)")
        let metrics = String(decoding: witness.server.metrics.render(), as: UTF8.self)
        XCTAssertTrue(metrics.split(separator: "\n").contains {
            $0.hasPrefix("ketenpoort_witness_alerts_total{") && $0.contains(#"reason="inconsistent""#) && $0.hasSuffix(" 1")
        }, metrics)
        // The held head is unchanged.
        let latest = try await client.latest(keySHA256: try tree.head(size: 3).keySHA256)
        XCTAssertEqual(latest?.head.treeSize, 3)
        await client.shutdown()
        try await witness.stop()
    }

    func testRefusesAnOlderHead() async throws {
        let witness = try await RunningWitness.start()
        let client = try WitnessTestKeys.gatewayClient(witness)
        let tree = TestTree(leaves: 7)
        _ = try await client.post(.init(head: try tree.head(size: 7), fromSize: 0, consistency: []))
        try assertRefused(try await client.post(.init(head: try tree.head(size: 3), fromSize: 7, consistency: [])), "older")
        await client.shutdown()
        try await witness.stop()
    }

    func testRefusesASplitViewOfAWitnessedSize() async throws {
        let witness = try await RunningWitness.start()
        let client = try WitnessTestKeys.gatewayClient(witness)
        let tree = TestTree(leaves: 7)
        _ = try await client.post(.init(head: try tree.head(size: 3), fromSize: 0, consistency: []))
        _ = try await client.post(.init(head: try tree.head(size: 7), fromSize: 3, consistency: try tree.tree.consistencyProof(oldSize: 3, newSize: 7)))
        // The same size 3 again, with another root: what another party was shown.
        let other = TestTree(leaves: 7, salt: "other view")
        try assertRefused(try await client.post(.init(head: try other.head(size: 3), fromSize: 7, consistency: [])), "split-view")
        try assertRefused(try await client.post(.init(head: try other.head(size: 7), fromSize: 7, consistency: [])), "split-view")
        await client.shutdown()
        try await witness.stop()
    }

    func testRefusesABadSignatureAndAnUnknownKey() async throws {
        let witness = try await RunningWitness.start()
        let client = try WitnessTestKeys.gatewayClient(witness)
        let tree = TestTree(leaves: 3)
        var forged = try tree.head(size: 3)
        forged.rootHash = MerkleHash.leaf(Data("forged".utf8))
        try assertRefused(try await client.post(.init(head: forged, fromSize: 0, consistency: [])), "bad-signature")
        let stranger = SoftwareCheckpointSigner(p256: .init())
        let unknown = try SignedTreeHead.sign(treeSize: 3, rootHash: try tree.tree.root(size: 3), timeMillis: 1, signer: stranger)
        guard case .refused(let status, let refusal) = try await client.post(.init(head: unknown, fromSize: 0, consistency: [])) else {
            return XCTFail("a head of an unknown key was accepted")
        }
        XCTAssertEqual(status, 403)
        XCTAssertEqual(refusal.error, "unknown-key")
        let latest = try await client.latest(keySHA256: forged.keySHA256)
        XCTAssertNil(latest, "nothing was accepted")
        await client.shutdown()
        try await witness.stop()
    }

    func testARestartKeepsTheWitnessedHeadsAndTheirRules() async throws {
        let state = FileManager.default.temporaryDirectory.appendingPathComponent("kp-witness-\(UUID().uuidString)").path
        let tree = TestTree(leaves: 7)
        let first = try await RunningWitness.start(stateDirectory: state)
        var client = try WitnessTestKeys.gatewayClient(first)
        _ = try await client.post(.init(head: try tree.head(size: 5), fromSize: 0, consistency: []))
        await client.shutdown()
        try await first.stop()

        let second = try await RunningWitness.start(stateDirectory: state)
        client = try WitnessTestKeys.gatewayClient(second)
        let latest = try await client.latest(keySHA256: try tree.head(size: 5).keySHA256)
        XCTAssertEqual(latest?.head, try tree.head(size: 5))
        let other = TestTree(leaves: 7, salt: "after restart")
        try assertRefused(try await client.post(.init(head: try other.head(size: 5), fromSize: 5, consistency: [])), "split-view")
        guard case .cosigned = try await client.post(.init(head: try tree.head(size: 7), fromSize: 5,
                                                           consistency: try tree.tree.consistencyProof(oldSize: 5, newSize: 7))) else {
            return XCTFail("the consistent head after a restart was not cosigned")
        }
        await client.shutdown()
        try await second.stop()
    }

    func testTheLedgerIsDurableAndPrivate() throws {
        let state = FileManager.default.temporaryDirectory.appendingPathComponent("kp-witness-\(UUID().uuidString)").path
        let ledger = try WitnessLedger(stateDirectory: state)
        let settings = try ledger.durabilitySettings()
        XCTAssertEqual(settings.journalMode, "wal")
        XCTAssertEqual(settings.synchronous, 2, "synchronous=FULL: a commit is on disk before the witness answers")
        let attributes = try FileManager.default.attributesOfItem(atPath: state)
        XCTAssertEqual((attributes[.posixPermissions] as? NSNumber)?.intValue, 0o700)
        try ledger.close()
    }

    func testALedgerEditedBehindTheWitnessesBackIsRefusedAtStart() async throws {
        let state = FileManager.default.temporaryDirectory.appendingPathComponent("kp-witness-\(UUID().uuidString)").path
        let tree = TestTree(leaves: 7)
        let witness = try await RunningWitness.start(stateDirectory: state)
        let client = try WitnessTestKeys.gatewayClient(witness)
        _ = try await client.post(.init(head: try tree.head(size: 3), fromSize: 0, consistency: []))
        _ = try await client.post(.init(head: try tree.head(size: 7), fromSize: 3, consistency: try tree.tree.consistencyProof(oldSize: 3, newSize: 7)))
        await client.shutdown()
        try await witness.stop()
        let database = state + "/" + WitnessLedger.databaseFileName
        // The triggers refuse an edit; an attacker on the witness host drops them and rolls the ledger back.
        let refused = try SQLiteShell.run(database, "DELETE FROM witnessed_heads WHERE id = 2;")
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.output.contains("append-only"), refused.output)
        let edited = try SQLiteShell.run(database, """
            DROP TRIGGER witnessed_heads_no_update;
            UPDATE witnessed_heads SET tree_size = 2 WHERE id = 1;
            """)
        XCTAssertEqual(edited.status, 0, edited.output)
        XCTAssertThrowsError(try WitnessLedger(stateDirectory: state)) { error in
            XCTAssertTrue("\(error)".contains("trigger witnessed_heads_no_update is missing"), "\(error)")
        }
        let recreated = try SQLiteShell.run(database, """
            CREATE TRIGGER witnessed_heads_no_update BEFORE UPDATE ON witnessed_heads BEGIN
                SELECT RAISE(ABORT, 'witnessed heads are append-only');
            END;
            """)
        XCTAssertEqual(recreated.status, 0, recreated.output)
        XCTAssertThrowsError(try WitnessLedger(stateDirectory: state)) { error in
            XCTAssertEqual(error as? WitnessLedgerError, .broken(entry: 1, reason: "its content does not match its hash"))
        }
    }

    private func assertRefused(_ answer: WitnessClient.PostAnswer, _ reason: String, file: StaticString = #filePath, line: UInt = #line) throws {
        guard case .refused(let status, let refusal) = answer else {
            return XCTFail("expected a refusal (\(reason)), got \(answer)", file: file, line: line)
        }
        XCTAssertEqual(status, 422, file: file, line: line)
        XCTAssertEqual(refusal.error, reason, file: file, line: line)
    }
}

/// Keys and clients of the witness tests: the `om` party plays the witness, the gateway party signs heads.
enum WitnessTestKeys {
    static func gatewaySigner() throws -> SoftwareCheckpointSigner {
        let pki = try GatewayTestPKI.get()
        guard let gateway = pki.manifest.party(named: "gateway") else { throw HarnessError("no gateway party") }
        return try SoftwareCheckpointSigner(pemFile: pki.path(gateway.signingKey))
    }

    static func witnessCertificate() throws -> String {
        let pki = try GatewayTestPKI.get()
        guard let witness = pki.manifest.party(named: "om") else { throw HarnessError("no om party") }
        return pki.path(witness.signingCertificate)
    }

    static func witnessVerifier() throws -> SoftwareCheckpointVerifier {
        try CertificateKeyLoading.verifier(certificateFile: try witnessCertificate())
    }

    static func configuration(stateDirectory: String) throws -> WitnessConfiguration {
        let pki = try GatewayTestPKI.get()
        guard let witness = pki.manifest.party(named: "om"), let gateway = pki.manifest.party(named: "gateway") else {
            throw HarnessError("no om or gateway party")
        }
        return WitnessConfiguration(
            name: "test-witness", listen: .init(host: "127.0.0.1", port: 0), tls: try GatewayTestPKI.tls(pki, "om"),
            cosigning: .init(certificate: pki.path(witness.signingCertificate), privateKey: pki.path(witness.signingKey)),
            stateDirectory: stateDirectory,
            gateways: [.init(name: "test-gateway", signingCertificate: pki.path(gateway.signingCertificate))])
    }

    /// A client presenting the gateway's TLS certificate.
    static func gatewayClient(_ witness: RunningWitness) throws -> WitnessClient {
        try WitnessClient(baseURL: witness.url, tls: try GatewayTestPKI.tls(try GatewayTestPKI.get(), "gateway"))
    }
}

/// A Merkle tree of made-up records and heads over its prefixes, signed with the gateway key.
struct TestTree {
    let tree: MerkleTree
    let salt: String

    init(leaves: Int, salt: String = "") {
        self.salt = salt
        var tree = MerkleTree()
        for index in 0..<leaves { tree.append(leafData: Data("\(salt) record \(index + 1)".utf8)) }
        self.tree = tree
    }

    /// The signed head of the first `size` leaves (time fixed per size, so equal inputs give equal heads).
    func head(size: Int) throws -> SignedTreeHead {
        try SignedTreeHead.sign(treeSize: Int64(size), rootHash: try tree.root(size: size), timeMillis: 1_800_000_000_000 + Int64(size),
                                signer: try WitnessTestKeys.gatewaySigner())
    }
}

/// A witness server running in this process on a loopback port.
final class RunningWitness: @unchecked Sendable {
    let server: WitnessServer
    let logs: CapturedLogs
    let port: Int
    private let task: Task<Void, any Error>

    var url: String { "https://localhost:\(port)" }

    private init(server: WitnessServer, logs: CapturedLogs, port: Int, task: Task<Void, any Error>) {
        self.server = server
        self.logs = logs
        self.port = port
        self.task = task
    }

    /// Starts a witness with a fresh (or the given) state directory.
    static func start(stateDirectory: String? = nil) async throws -> RunningWitness {
        let state = stateDirectory ?? FileManager.default.temporaryDirectory.appendingPathComponent("kp-witness-\(UUID().uuidString)").path
        let logs = CapturedLogs()
        let server = try WitnessServer(configuration: try WitnessTestKeys.configuration(stateDirectory: state), logger: logs.logger(label: "witness"))
        let task = Task { try await server.run() }
        let port = try await server.boundPort.wait()
        return RunningWitness(server: server, logs: logs, port: port, task: task)
    }

    /// Stops the server and waits until its ledger is closed.
    func stop() async throws {
        task.cancel()
        _ = try? await task.value
    }
}

/// The `sqlite3` shell, as someone with access to the host would use it.
enum SQLiteShell {
    static func run(_ database: String, _ sql: String) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        process.arguments = [database, sql]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
