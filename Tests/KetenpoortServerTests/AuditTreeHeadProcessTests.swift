import Foundation
import GRDB
import KetenpoortServer
import KetenpoortStore
import KetenpoortTesting
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// The daemon as a real process and its audit tree: a crash loop still leaves a signed head per start, and a broken
/// store is refused with the record (and started only with --accept-broken-audit, which is audited).
final class AuditTreeHeadProcessTests: XCTestCase {
    private struct Setup {
        let configuration: GatewayConfiguration
        let directory: URL
        let client: IntakeClient
        let partner: RunningPartner
    }

    private func setUp(checkpointEveryRecords: Int) async throws -> Setup {
        let partner = try await RunningPartner.start("vt-rotterdam-rijnmond")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kp-tree-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: directory) }
        var configuration = try RunningGateway.makeConfiguration(
            partners: ["vt-rotterdam-rijnmond": partner.url], stateDirectory: directory.appendingPathComponent("state").path,
            retry: .init(initialDelaySeconds: 0.3, maxDelaySeconds: 1, maxAgeHours: 1, jitter: 0.1))
        configuration.intake.port = try LoopbackPort.free()
        configuration.admin.port = try LoopbackPort.free()
        configuration.checkpointIntervalSeconds = 3600    // the interval never comes round in these tests
        configuration.audit = AuditSettings(checkpointEveryRecords: checkpointEveryRecords)
        let client = try IntakeClient(tls: GatewayTestPKI.tls(try GatewayTestPKI.get(), "politie-rotterdam"))
        return Setup(configuration: configuration, directory: directory, client: client, partner: partner)
    }

    private func verifier(_ configuration: GatewayConfiguration) throws -> SoftwareCheckpointVerifier {
        try SoftwareCheckpointVerifier(spkiDER: try SoftwareCheckpointSigner(pemFile: configuration.signing.privateKey ?? "").publicKeyDER)
    }

    func testCrashLoopOfTwentyKillsLeavesASignedHeadPerStart() async throws {
        let setup = try await setUp(checkpointEveryRecords: 0)
        let kills = 20
        var posted = 0
        for round in 0..<kills {
            let gateway = try GatewayProcess(configuration: setup.configuration, directory: setup.directory)
            try await waitUntilServing(setup, gateway)
            let response = try await setup.client.post(try GatewayExamples.zorgmelding(id: UUID().uuidString.lowercased()),
                                                       port: setup.configuration.intake.port)
            XCTAssertEqual(response.status, 202, "round \(round): \(response.body)")
            posted += 1
            try await Task.sleep(for: .milliseconds(Int.random(in: 1000...4000)))
            gateway.kill9()
        }
        let store = try SQLiteStore.open(stateDirectory: setup.configuration.stateDirectory)
        defer { try? store.close() }
        let checkpoints = try await store.checkpoints()
        // Every start after the first finds the previous run's records unsigned and signs them before serving.
        XCTAssertGreaterThanOrEqual(checkpoints.count, kills - 1, "one signed head per start")
        XCTAssertTrue(checkpoints.allSatisfy { $0.format == "KPCHECK2" })
        let sizes = checkpoints.map(\.sequence)
        XCTAssertEqual(sizes, sizes.sorted(), "each start signs a larger tree")
        let report = try await store.verifyAuditChain(verifier: try verifier(setup.configuration))
        XCTAssertTrue(report.isIntact, "\(String(describing: report.firstBreak))")
        let unexplained = try await store.verifyStateAgainstTrail()
        XCTAssertEqual(unexplained, [], "killed mid-delivery or not, the tables are what the trail says")
        await setup.client.shutdown()
        await setup.partner.stop()
    }

    func testBrokenStoreIsRefusedWithTheRecordAndStartsOnlyWithTheFlagWhichIsAudited() async throws {
        let setup = try await setUp(checkpointEveryRecords: 0)
        // Run 1 signs nothing at start (empty), records a message and is killed: its records follow no head.
        let first = try GatewayProcess(configuration: setup.configuration, directory: setup.directory)
        try await waitUntilServing(setup, first)
        let id = UUID().uuidString.lowercased()
        let response = try await setup.client.post(try GatewayExamples.zorgmelding(id: id), port: setup.configuration.intake.port)
        XCTAssertEqual(response.status, 202, response.body)
        first.kill9()

        // An attacker edits record 2 with the trigger dropped, then puts the trigger back.
        let database = setup.configuration.stateDirectory + "/" + SQLiteStore.databaseFileName
        let pool = try DatabasePool(path: database)
        try await pool.write { db in
            try db.execute(sql: """
                DROP TRIGGER audit_no_update;
                UPDATE audit SET detail = 'delivery=1 state=held' WHERE seq = 2;
                CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END;
                """)
        }
        try pool.close()

        let refused = try GatewayProcess(configuration: setup.configuration, directory: setup.directory)
        refused.process.waitUntilExit()
        XCTAssertNotEqual(refused.process.terminationStatus, 0)
        let lines = refused.log.split(separator: "\n").filter { $0.contains("audit check at start-up") }
        XCTAssertEqual(lines.count, 1, refused.log)
        XCTAssertTrue(lines.first?.contains("record 2: hash") ?? false, refused.log)
        let untouched = try SQLiteStore.openWithoutKeys(stateDirectory: setup.configuration.stateDirectory)
        let checkpointsAfterRefusal = try await untouched.checkpoints()
        XCTAssertTrue(checkpointsAfterRefusal.isEmpty, "a refused start signs nothing over the broken chain")
        try untouched.close()

        let accepted = try GatewayProcess(configuration: setup.configuration, directory: setup.directory,
                                          extraArguments: ["--accept-broken-audit"])
        try await waitUntilServing(setup, accepted)
        let status = try await accepted.terminate()
        XCTAssertEqual(status, 0, accepted.log)
        let store = try SQLiteStore.openWithoutKeys(stateDirectory: setup.configuration.stateDirectory)
        defer { try? store.close() }
        let records = try await store.auditRecords(afterSequence: 0, limit: 1000)
        let acceptance = records.filter { $0.event == AuditEvent.auditBrokenAccepted.rawValue }
        XCTAssertEqual(acceptance.count, 1)
        XCTAssertTrue(acceptance.first?.detail.contains("rule=hash record=2") ?? false, acceptance.first?.detail ?? "")
        await setup.client.shutdown()
        await setup.partner.stop()
    }

    private func waitUntilServing(_ setup: Setup, _ process: GatewayProcess) async throws {
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if !process.process.isRunning { throw HarnessError("the gateway exited: \(process.log)") }
            if (try? await setup.client.get("/v1/berichten/00000000-0000-4000-8000-000000000000",
                                            port: setup.configuration.intake.port)) != nil { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw HarnessError("the gateway did not start serving: \(process.log)")
    }
}
