import Foundation
import KetenpoortServer
import KetenpoortStore
import XCTest

/// At start-up the gateway takes back every delivery that a dead earlier run had leased, at once and with an audit record.
final class GatewayLeaseReclaimTests: XCTestCase {
    func testLeasesOfAnEarlierRunAreReclaimedAtStartUp() async throws {
        let state = FileManager.default.temporaryDirectory.appendingPathComponent("kp-reclaim-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
        // What a killed daemon leaves behind: deliveries in `sending`, leased for ten minutes by an owner that is gone.
        let earlier = try SQLiteStore.open(stateDirectory: state)
        var ids: [String] = []
        for _ in 0..<40 {
            let id = UUID().uuidString.lowercased()
            let now = Date()
            _ = try await earlier.accept(IncomingMessage(
                id: id, kind: "Zorgmelding", senderOIN: "00000099000000000001", digest: Data(repeating: 7, count: 32),
                receivedAt: now, signedAt: now, urgent: false, payload: Data("<Zorgmelding/>".utf8),
                retentionDeadline: now.addingTimeInterval(86_400)), recipients: ["vt-rotterdam-rijnmond"])
            ids.append(id)
        }
        let leased = try await earlier.lease(owner: "gone-host/4242", freeSlots: ["vt-rotterdam-rijnmond": 100], leaseDuration: 600, now: Date())
        XCTAssertEqual(leased.count, 40)

        // Its partner is unreachable, so after the reclaim every delivery is tried once more and deferred.
        let gateway = try await RunningGateway.start(partners: ["vt-rotterdam-rijnmond": "https://localhost:9/v1/berichten"],
                                                     stateDirectory: state)
        for id in ids {
            let trail = try await earlier.auditTrail(messageId: id)
            let reclaim = trail.first { $0.event == AuditEvent.deliveryLeaseReturned.rawValue }
            XCTAssertEqual(reclaim?.detail.contains("reclaimed-from=\"gone-host/4242\""), true, reclaim?.detail ?? "no reclaim record for \(id)")
            XCTAssertEqual(reclaim?.detail.contains("reason=start-up"), true)
        }
        let lines = gateway.logs.lines
        XCTAssertTrue(lines.contains { $0.contains("reclaimed deliveries leased by an earlier run") && $0.contains("deliveries=40") },
                      lines.joined(separator: "\n"))
        let stillLeasedByTheDeadOwner = try await earlier.listDeliveries(DeliveryFilter(state: .sending), after: nil, limit: 100)
            .filter { $0.leaseOwner == "gone-host/4242" }
        XCTAssertEqual(stillLeasedByTheDeadOwner.count, 0)
        try await gateway.stop()
    }
}
