import Foundation
import KetenpoortStore
import XCTest

/// retry, hold, release and purge: audited with operator and reason; refusals change nothing.
final class ActionTests: XCTestCase {
    func testRetryOfDeliveredMessageIsRefusedAndChangesNothing() async throws {
        let filled = try await FilledStore.make(self)
        let id = try filled.message("shn")
        try await FakeCourier(store: filled.store).run(partner: "shn", .deliver)
        let before = try await filled.store.auditTrail(messageId: id)

        let result = try await filled.cli("queue", "retry", id, "--reason", "partner says it is missing")
        assertExit(result, 1)
        XCTAssertTrue(result.stderr.contains("is delivered") && result.stderr.contains("Nothing was changed"), result.stderr)
        XCTAssertTrue(result.stderr.contains(id), result.stderr)
        let after = try await filled.store.auditTrail(messageId: id)
        XCTAssertEqual(after, before)
        let status = try await filled.store.status(messageId: id)
        XCTAssertEqual(status?.deliveries.first?.state, .delivered)
    }

    func testHoldReleaseAndRetryAreAuditedWithOperatorAndReason() async throws {
        let filled = try await FilledStore.make(self)
        let id = try filled.message("vt-haaglanden")
        try await FakeCourier(store: filled.store).run(partner: "vt-haaglanden", .deferFor(3600))

        let hold = try await filled.cli("queue", "hold", id, "--operator", "c.bakker", "--reason", "endpoint migration", "--json")
        assertExit(hold, 0)
        XCTAssertEqual((try hold.object()["changed"] as? [[String: Any]])?.first?["to"] as? String, "held")
        var trail = try await filled.store.auditTrail(messageId: id)
        let held = try XCTUnwrap(trail.last)
        XCTAssertEqual(held.event, AuditEvent.deliveryHeld.rawValue)
        XCTAssertEqual(held.actor, "operator:c.bakker")
        XCTAssertTrue(held.detail.contains("reason=\"endpoint migration\""), held.detail)

        let holdAgain = try await filled.cli("queue", "hold", id, "--reason", "again")
        assertExit(holdAgain, 1)
        XCTAssertTrue(holdAgain.stderr.contains("is held"), holdAgain.stderr)

        let release = try await filled.cli("queue", "release", "--partner", "vt-haaglanden", "--operator", "c.bakker", "--reason", "migration done")
        assertExit(release, 0)
        XCTAssertTrue(release.stdout.contains("1 delivery(ies) released"), release.stdout)
        trail = try await filled.store.auditTrail(messageId: id)
        XCTAssertEqual(trail.last?.event, AuditEvent.deliveryReleased.rawValue)
        let released = try await filled.store.status(messageId: id)
        XCTAssertEqual(released?.deliveries.first?.state, .queued)

        let retryQueued = try await filled.cli("queue", "retry", id, "--reason", "push")
        assertExit(retryQueued, 1)

        try await FakeCourier(store: filled.store).run(partner: "vt-haaglanden", .fail)
        let retryFailed = try await filled.cli("queue", "retry", "--failed", "--operator", "d.mulder", "--reason", "certificate renewed")
        assertExit(retryFailed, 0)
        trail = try await filled.store.auditTrail(messageId: id)
        XCTAssertEqual(trail.last?.event, AuditEvent.deliveryRetryNow.rawValue)
        XCTAssertEqual(trail.last?.actor, "operator:d.mulder")
        let retried = try await filled.store.status(messageId: id)
        XCTAssertEqual(retried?.deliveries.first?.state, .queued)
    }

    func testPurgeIsRefusedWhileDeliverableAndAuditedWhenDone() async throws {
        let filled = try await FilledStore.make(self)
        let id = try filled.message("vt-rotterdam-rijnmond")

        let early = try await filled.cli("queue", "purge", id, "--reason", "wrong region")
        assertExit(early, 1)
        XCTAssertTrue(early.stderr.contains("hold or fail them first"), early.stderr)
        let stillThere = try await filled.store.payload(messageId: id)
        XCTAssertNotNil(stillThere)

        assertExit(try await filled.cli("queue", "hold", id, "--reason", "wrong region"), 0)
        let purge = try await filled.cli("queue", "purge", id, "--operator", "e.dekker", "--reason", "wrong region, AVG 2026-118")
        assertExit(purge, 0)
        let purged = try await filled.store.payload(messageId: id)
        XCTAssertNil(purged)
        let trail = try await filled.store.auditTrail(messageId: id)
        let record = try XCTUnwrap(trail.last)
        XCTAssertEqual(record.event, AuditEvent.payloadPurgedByOperator.rawValue)
        XCTAssertEqual(record.actor, "operator:e.dekker")

        let read = try await filled.cli("queue", "show", id, "--payload", "--reason", "look")
        assertExit(read, 1)
        XCTAssertTrue(read.stderr.contains("purged"), read.stderr)
    }

    func testUsageErrorsExitTwo() async throws {
        let filled = try await FilledStore.make(self)
        let id = try filled.message("shn")
        let noStore = try await CLIRunner.run(["queue", "status"])
        assertExit(noStore, 2)
        let missing = try await CLIRunner.run(["queue", "status", "--state-dir", filled.directory + "-nope"])
        assertExit(missing, 2)
        XCTAssertFalse(FileManager.default.fileExists(atPath: filled.directory + "-nope"), "no store is created")
        let noReason = try await filled.cli("queue", "hold", id)
        assertExit(noReason, 2)
        let nothing = try await filled.cli("queue", "retry", "--reason", "x")
        assertExit(nothing, 2)
        let status = try await filled.store.status(messageId: id)
        XCTAssertEqual(status?.deliveries.first?.state, .queued)
    }
}
