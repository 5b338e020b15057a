import Foundation
import KetenpoortServer
import KetenpoortStore
import XCTest

/// A run's lease owner name carries a random run id, so a dead run with the same PID is still recognised as dead.
final class DispatcherOwnerTests: XCTestCase {
    func testTheOwnerNameIsHostPidAndARandomRunId() {
        let first = LeaseOwner.forThisRun(host: "gw-1", pid: 7)
        let second = LeaseOwner.forThisRun(host: "gw-1", pid: 7)
        XCTAssertTrue(first.hasPrefix("gw-1/7/"), first)
        let runId = first.dropFirst("gw-1/7/".count)
        XCTAssertEqual(runId.count, 8)
        XCTAssertTrue(runId.allSatisfy { $0.isHexDigit && !$0.isUppercase }, first)
        XCTAssertNotEqual(first, second, "two runs in the same container with the same PID get different names")
    }

    func testStartUpReclaimsTheLeasesOfADeadRunThatHadTheSamePid() async throws {
        let state = FileManager.default.temporaryDirectory.appendingPathComponent("kp-owner-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
        // A container restarts the daemon with the same PID: the dead run's owner name is what this run's used to be.
        let deadRun = "\(ProcessInfo.processInfo.hostName)/\(ProcessInfo.processInfo.processIdentifier)"
        let earlier = try SQLiteStore.open(stateDirectory: state)
        let id = UUID().uuidString.lowercased()
        let now = Date()
        _ = try await earlier.accept(IncomingMessage(
            id: id, kind: "Zorgmelding", senderOIN: "00000099000000000001", digest: Data(repeating: 7, count: 32),
            receivedAt: now, signedAt: now, urgent: false, payload: Data("<Zorgmelding/>".utf8),
            retentionDeadline: now.addingTimeInterval(86_400)), recipients: ["vt-rotterdam-rijnmond"])
        let leased = try await earlier.lease(owner: deadRun, freeSlots: ["vt-rotterdam-rijnmond": 1], leaseDuration: 600, now: now)
        XCTAssertEqual(leased.count, 1)

        let gateway = try await RunningGateway.start(partners: ["vt-rotterdam-rijnmond": "https://localhost:9/v1/berichten"],
                                                     stateDirectory: state)
        let trail = try await earlier.auditTrail(messageId: id)
        let reclaim = trail.first { $0.event == AuditEvent.deliveryLeaseReturned.rawValue }
        XCTAssertEqual(reclaim?.detail.contains("reclaimed-from=\"\(deadRun)\""), true, reclaim?.detail ?? "the dead run's lease was not reclaimed")
        try await gateway.stop()
    }
}
