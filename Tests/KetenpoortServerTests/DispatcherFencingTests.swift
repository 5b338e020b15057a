import Foundation
import KetenpoortServer
import KetenpoortStore
import KetenpoortTesting
import XCTest

/// An outcome of an expired lease can never overwrite the delivery's newer lease, even under the same owner name.
final class DispatcherFencingTests: XCTestCase {
    func testAnOldLeasesOutcomeIsRefusedWhileTheNewerLeaseIsInFlight() async throws {
        let owner = "test-host/1/0000abcd"
        let clock = ManualClock()
        let first = try DispatcherRig(partners: ["shn": 1], clock: clock, owner: owner, leaseDuration: 120)
        defer { first.temporary.remove() }
        let accepted = try await first.accept(1, for: "shn")
        let id = try XCTUnwrap(accepted.first)
        await first.transport.stall("shn")
        let firstRun = first.start()
        let firstStalled = await first.transport.waitForStalled(1, partner: "shn")
        XCTAssertTrue(firstStalled)

        // The lease expires while the first send hangs; a second dispatcher of the same owner name leases it again.
        clock.advance(by: 121)
        let second = try DispatcherRig(partners: ["shn": 1], temporary: first.temporary, clock: clock, owner: owner, leaseDuration: 120)
        await second.transport.stall("shn")
        let secondRun = second.start()
        let secondStalled = await second.transport.waitForStalled(1, partner: "shn")
        XCTAssertTrue(secondStalled)
        let releasedAgain = try await first.store.status(messageId: id)?.deliveries.first
        XCTAssertEqual(releasedAgain?.attempts, 2)

        // The first send now comes back with a permanent failure: it belongs to the old lease and must change nothing.
        await first.transport.answer(.permanent(errorClass: "http-permanent", text: "HTTP 403"), for: "shn")
        await first.transport.release("shn")
        try await waitUntil("the first dispatcher to report its lease lost") {
            !first.logs.entries(containing: "lease lost").isEmpty
        }
        let during = try await first.store.status(messageId: id)?.deliveries.first
        XCTAssertEqual(during?.state, .sending, "the old lease's failure must not be recorded")

        await second.transport.release("shn")
        try await waitUntil("the newer lease's outcome recorded") {
            try await first.store.status(messageId: id)?.deliveries.first?.state == .delivered
        }
        let final = try await first.store.status(messageId: id)?.deliveries.first
        XCTAssertEqual(final?.receipt, ScriptedTransport.receipt(for: id))
        let events = try await first.store.auditTrail(messageId: id).map(\.event)
        XCTAssertFalse(events.contains(AuditEvent.deliveryFailed.rawValue))
        try await first.stop(firstRun)
        try await second.stop(secondRun)
    }
}
