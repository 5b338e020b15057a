import Foundation
import KetenpoortServer
import KetenpoortStore
import XCTest

/// Operator actions from the `ketenpoort` CLI process, against the store of a gateway that is delivering.
final class OperatorWhileDeliveringTests: XCTestCase {
    func testRetryHoldAndReleaseTakeEffectInTheRunningDaemon() async throws {
        let partner = try await RunningPartner.start("vt-rotterdam-rijnmond")
        await partner.endpoint.setBehaviour(.failWith(status: 503))
        // A backoff of ten minutes: without the operator, nothing would be retried during this test.
        let gateway = try await RunningGateway.start(
            partners: ["vt-rotterdam-rijnmond": partner.url],
            retry: .init(initialDelaySeconds: 600, maxDelaySeconds: 600, maxAgeHours: 1, jitter: 0))
        let client = try IntakeClient(tls: GatewayTestPKI.tls(try GatewayTestPKI.get(), "politie-rotterdam"))
        let state = gateway.configuration.stateDirectory
        let store = try SQLiteStore.open(stateDirectory: state)

        var ids: [String] = []
        for _ in 0..<3 {
            let id = UUID().uuidString.lowercased()
            let posted = try await client.post(try GatewayExamples.zorgmelding(id: id), port: gateway.port)
            XCTAssertEqual(posted.status, 202, posted.body)
            ids.append(id)
        }
        try await eventually(20) { try await self.states(store, ids) == [.deferred, .deferred, .deferred] }
        await partner.endpoint.setBehaviour(.normal)

        // Retry one now: the daemon sends it although its backoff has not passed.
        let retry = try await runCLI(["queue", "retry", ids[0], "--operator", "f.devries", "--reason", "endpoint back", "--state-dir", state])
        XCTAssertEqual(retry.status, 0, retry.output)
        try await eventually(15) { try await self.states(store, [ids[0]]) == [.delivered] }

        // Hold the partner: the other two stay held although the partner answers again.
        let hold = try await runCLI(["queue", "hold", "--partner", "vt-rotterdam-rijnmond", "--operator", "f.devries",
                                     "--reason", "maintenance window", "--json", "--state-dir", state])
        XCTAssertEqual(hold.status, 0, hold.output)
        XCTAssertTrue(hold.output.contains(ids[1]) && hold.output.contains(ids[2]), hold.output)
        let refused = try await runCLI(["queue", "retry", ids[0], "--reason", "again", "--state-dir", state])
        XCTAssertEqual(refused.status, 1, "retrying a delivered message is refused: \(refused.output)")
        // A message posted after the hold is delivered: the daemon has leased for this partner since, and passed the held ones by.
        let sentinel = UUID().uuidString.lowercased()
        let posted = try await client.post(try GatewayExamples.zorgmelding(id: sentinel), port: gateway.port)
        XCTAssertEqual(posted.status, 202, posted.body)
        try await eventually(15) { try await self.states(store, [sentinel]) == [.delivered] }
        let held = try await states(store, Array(ids[1...]))
        XCTAssertEqual(held, [.held, .held])
        XCTAssertEqual(partner.inboxFiles(), ["\(ids[0]).xml", "\(sentinel).xml"].sorted())

        // Release: the daemon delivers both without a restart.
        let release = try await runCLI(["queue", "release", "--partner", "vt-rotterdam-rijnmond", "--operator", "f.devries",
                                        "--reason", "maintenance over", "--state-dir", state])
        XCTAssertEqual(release.status, 0, release.output)
        try await eventually(15) { try await self.states(store, ids + [sentinel]) == [.delivered, .delivered, .delivered, .delivered] }
        XCTAssertEqual(partner.inboxFiles(), (ids + [sentinel]).map { "\($0).xml" }.sorted())

        let trail = try await store.auditTrail(messageId: ids[1])
        let operatorEvents = trail.filter { $0.actor == "operator:f.devries" }.map(\.event)
        XCTAssertEqual(operatorEvents, [AuditEvent.deliveryHeld.rawValue, AuditEvent.deliveryReleased.rawValue])
        XCTAssertTrue(trail.contains { $0.event == AuditEvent.deliveryHeld.rawValue && $0.detail.contains("maintenance window") })

        try store.close()
        try await gateway.stop()
        await client.shutdown()
        await partner.stop()
    }

    private func states(_ store: SQLiteStore, _ ids: [String]) async throws -> [DeliveryState] {
        var result: [DeliveryState] = []
        for id in ids {
            guard let state = try await store.status(messageId: id)?.deliveries.first?.state else { return [] }
            result.append(state)
        }
        return result
    }

    /// Runs the built `ketenpoort` binary and returns its exit status with stdout and stderr together.
    private func runCLI(_ arguments: [String]) async throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = try GatewayProcess.binary()
        process.arguments = arguments
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("kp-cli-\(UUID().uuidString).out")
        _ = FileManager.default.createFile(atPath: file.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: file) }
        let handle = try FileHandle(forWritingTo: file)
        process.standardOutput = handle
        process.standardError = handle
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do { try process.run() } catch { continuation.resume(throwing: error) }
        }
        try handle.close()
        return (status, (try? String(contentsOf: file, encoding: .utf8)) ?? "")
    }
}
