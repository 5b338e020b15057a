import AsyncHTTPClient
import Foundation
import KetenpoortServer
import KetenpoortStore
import KetenpoortTesting
import XCTest

/// The daemon as a real process: SIGKILL mid-delivery loses nothing and duplicates nothing, and the restarted daemon
/// resends at once instead of waiting for the dead one's lease; one daemon per state directory; SIGTERM stops cleanly.
final class GatewayCrashTests: XCTestCase {
    func testKilledMidDeliveryTheMessageArrivesExactlyOnceAfterRestart() async throws {
        let partner = try await RunningPartner.start("vt-rotterdam-rijnmond")
        await partner.endpoint.setBehaviour(.stall(milliseconds: 2500))
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kp-crash-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var configuration = try RunningGateway.makeConfiguration(
            partners: ["vt-rotterdam-rijnmond": partner.url], stateDirectory: directory.appendingPathComponent("state").path,
            retry: .init(initialDelaySeconds: 0.3, maxDelaySeconds: 1, maxAgeHours: 1, jitter: 0.1))
        configuration.intake.port = try LoopbackPort.free()
        configuration.admin.port = try LoopbackPort.free()
        configuration.courier.requestTimeoutSeconds = 4
        // Far longer than the test waits: the restarted daemon must reclaim the dead one's lease, not wait for it.
        configuration.courier.leaseSeconds = 600
        let client = try IntakeClient(tls: GatewayTestPKI.tls(try GatewayTestPKI.get(), "politie-rotterdam"))

        let first = try GatewayProcess(configuration: configuration, directory: directory)
        try await waitUntilServing(port: configuration.intake.port, client: client, process: first)
        let id = UUID().uuidString.lowercased()
        let posted = try await client.post(try GatewayExamples.zorgmelding(id: id), port: configuration.intake.port)
        XCTAssertEqual(posted.status, 202, posted.body)
        // Wait until the partner has the request in hand (it stalls), then kill the gateway mid-delivery.
        try await eventually(10) { await partner.endpoint.requestCount >= 1 }
        first.kill9()
        await partner.endpoint.setBehaviour(.normal)
        try await Task.sleep(for: .seconds(3))   // the stalled request completes against a dead connection

        let second = try GatewayProcess(configuration: configuration, directory: directory)
        try await waitUntilServing(port: configuration.intake.port, client: client, process: second)
        let store = try SQLiteStore.open(stateDirectory: configuration.stateDirectory)
        try await eventually(30) { try await store.status(messageId: id)?.deliveries.first?.state == .delivered }
        XCTAssertEqual(partner.inboxFiles(), ["\(id).xml"], "the inbox must hold the message exactly once")
        let requests = await partner.endpoint.requestCount
        XCTAssertGreaterThanOrEqual(requests, 2, "the message was delivered again after the restart")
        let trail = try await store.auditTrail(messageId: id)
        XCTAssertGreaterThanOrEqual(trail.filter { $0.event == AuditEvent.deliveryLeased.rawValue }.count, 2)
        let reclaimed = trail.filter { $0.event == AuditEvent.deliveryLeaseReturned.rawValue }
        XCTAssertEqual(reclaimed.count, 1, trail.map(\.detail).joined(separator: "\n"))
        XCTAssertTrue(reclaimed.first?.detail.contains("reason=start-up") ?? false, reclaimed.first?.detail ?? "")
        XCTAssertTrue(reclaimed.first?.detail.contains("reclaimed-from=") ?? false, reclaimed.first?.detail ?? "")
        XCTAssertTrue(second.log.contains("reclaimed deliveries leased by an earlier run"), second.log)

        // A second daemon on the same state directory is refused while this one runs.
        var other = configuration
        other.intake.port = try LoopbackPort.free()
        other.admin.port = try LoopbackPort.free()
        let intruder = try GatewayProcess(configuration: other, directory: directory)
        intruder.process.waitUntilExit()
        XCTAssertNotEqual(intruder.process.terminationStatus, 0)
        XCTAssertTrue(intruder.log.contains("another ketenpoort serve is running on the state directory"), intruder.log)

        // SIGTERM: exit 0 after a final audit checkpoint.
        let status = try await second.terminate()
        XCTAssertEqual(status, 0, second.log)
        let checkpoints = try await store.checkpoints()
        XCTAssertFalse(checkpoints.isEmpty, "a checkpoint is written at shutdown")
        let records = try await store.auditRecords(afterSequence: 0, limit: 100_000)
        XCTAssertEqual(checkpoints.last?.sequence, records.last?.sequence)
        await client.shutdown()
        await partner.stop()
    }

    private func waitUntilServing(port: Int, client: IntakeClient, process: GatewayProcess) async throws {
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if !process.process.isRunning { throw HarnessError("the gateway exited: \(process.log)") }
            if (try? await client.get("/v1/berichten/00000000-0000-4000-8000-000000000000", port: port)) != nil { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw HarnessError("the gateway did not start serving: \(process.log)")
    }
}
