import Foundation
import KetenpoortServer
import KetenpoortStore
import KetenpoortTesting
import XCTest

/// A payload that cannot be decrypted fails its own delivery (error class `payload-unreadable`); the batch goes on.
final class DispatcherPoisonTests: XCTestCase {
    func testAnUnreadablePayloadFailsOnlyItsDelivery() async throws {
        let rig = try DispatcherRig(partners: ["shn": 4])
        defer { rig.temporary.remove() }
        let ids = try await rig.accept(3, for: "shn")
        try rig.temporary.corruptPayload(messageId: ids[1])
        let run = rig.start()

        try await waitUntil("two deliveries delivered and the poisoned one failed") {
            let all = try await rig.temporary.deliveries(of: "shn")
            return all.filter { $0.state == .delivered }.count == 2 && all.filter { $0.state == .failed }.count == 1
        }
        let poisoned = try await rig.store.status(messageId: ids[1])?.deliveries.first
        XCTAssertEqual(poisoned?.state, .failed)
        XCTAssertEqual(poisoned?.lastErrorClass, .payloadUnreadable)
        let failure = try await rig.store.auditTrail(messageId: ids[1]).last
        XCTAssertEqual(failure?.event, AuditEvent.deliveryFailed.rawValue)
        XCTAssertEqual(failure?.detail.contains("error=payload-unreadable"), true, failure?.detail ?? "")
        let sent = await rig.transport.calls.map(\.messageId)
        XCTAssertEqual(Set(sent), [ids[0], ids[2]], "the unreadable payload is never sent")
        try await rig.stop(run)
    }
}
