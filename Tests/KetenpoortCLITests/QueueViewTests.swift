import Foundation
import KetenpoortStore
import XCTest

/// `queue status`, `queue list`, `queue show` and `trail` on a store filled by the real pipeline.
final class QueueViewTests: XCTestCase {
    func testStatusShowsCountsOldestAgeAndNextAttempt() async throws {
        let filled = try await FilledStore.make(self, haaglandenAge: 3 * 3600)
        try await FakeCourier(store: filled.store).run(partner: "vt-haaglanden", .deferFor(600))

        let result = try await filled.cli("queue", "status", "--json")
        assertExit(result, 0)
        let rows = try XCTUnwrap(try result.object()["rows"] as? [[String: Any]])
        let deferred = try XCTUnwrap(rows.first { $0["partner"] as? String == "vt-haaglanden" && $0["state"] as? String == "deferred" })
        XCTAssertEqual(deferred["count"] as? Int, 1)
        let age = try XCTUnwrap(deferred["oldest_age_seconds"] as? Int)
        XCTAssertTrue((3 * 3600 - 5)...(3 * 3600 + 120) ~= age, "age \(age)")
        XCTAssertNotNil(deferred["next_attempt_at"] as? String)
        let queued = rows.filter { $0["state"] as? String == "queued" }.compactMap { $0["partner"] as? String }
        XCTAssertEqual(Set(queued), ["shn", "vt-amsterdam-amstelland", "vt-rotterdam-rijnmond"])

        let table = try await filled.cli("queue", "status")
        assertExit(table, 0)
        XCTAssertTrue(table.stdout.contains("vt-haaglanden") && table.stdout.contains("deferred"), table.stdout)
    }

    func testAgeShapePutsMessagesInQshapeBuckets() async throws {
        let filled = try await FilledStore.make(self, haaglandenAge: 30 * 60)
        let result = try await filled.cli("queue", "status", "--age", "--json")
        assertExit(result, 0)
        let object = try result.object()
        XCTAssertEqual(object["buckets"] as? [String], ["5m", "10m", "20m", "40m", "80m", "160m", "more"])
        let rows = try XCTUnwrap(object["rows"] as? [[String: Any]])
        let haaglanden = try XCTUnwrap(rows.first { $0["partner"] as? String == "vt-haaglanden" })
        XCTAssertEqual(haaglanden["counts"] as? [Int], [0, 0, 0, 1, 0, 0, 0])
        let shn = try XCTUnwrap(rows.first { $0["partner"] as? String == "shn" })
        XCTAssertEqual(shn["counts"] as? [Int], [1, 0, 0, 0, 0, 0, 0])

        let table = try await filled.cli("queue", "status", "--age")
        XCTAssertTrue(table.stdout.hasPrefix("PARTNER"), table.stdout)
        XCTAssertTrue(table.stdout.contains("TOTAL"), table.stdout)
    }

    func testListFiltersAndPages() async throws {
        let filled = try await FilledStore.make(self, haaglandenAge: 2 * 3600)
        func ids(_ arguments: String...) async throws -> [String] {
            let result = try await CLIRunner.run(["queue", "list", "--json", "--state-dir", filled.directory] + arguments)
            assertExit(result, 0)
            let entries = try XCTUnwrap(try result.object()["entries"] as? [[String: Any]])
            return entries.compactMap { $0["partner"] as? String }
        }
        let all = try await ids()
        XCTAssertEqual(all.count, 4)
        let shn = try await ids("--partner", "shn")
        XCTAssertEqual(shn, ["shn"])
        let referrals = try await ids("--kind", "Slachtofferverwijzing")
        XCTAssertEqual(referrals, ["shn"])
        let old = try await ids("--older-than", "1h")
        XCTAssertEqual(old, ["vt-haaglanden"])
        let urgent = try await ids("--urgent")
        XCTAssertEqual(urgent, ["vt-amsterdam-amstelland"])
        let delivered = try await ids("--state", "delivered")
        XCTAssertEqual(delivered, [])

        let page = try await filled.cli("queue", "list", "--json", "--limit", "3")
        let next = try XCTUnwrap(try page.object()["next_after"] as? Int)
        let rest = try await ids("--after", String(next))
        XCTAssertEqual(rest.count, 1)

        let bad = try await filled.cli("queue", "list", "--state", "lost")
        assertExit(bad, 2)
        XCTAssertTrue(bad.stderr.contains("--state lost"), bad.stderr)
    }

    func testShowGivesAttemptsAndReceiptButNoPayload() async throws {
        let filled = try await FilledStore.make(self)
        let courier = FakeCourier(store: filled.store)
        try await courier.run(partner: "vt-amsterdam-amstelland", .deferFor(0))
        try await courier.run(partner: "vt-amsterdam-amstelland", .deliver, now: Date().addingTimeInterval(1))
        let id = try filled.message("vt-amsterdam-amstelland")

        let result = try await filled.cli("queue", "show", id, "--json")
        assertExit(result, 0)
        XCTAssertFalse(result.stdout.contains("Testdorp"), "no payload content without --payload")
        let object = try result.object()
        XCTAssertNil(object["payload_base64"] as? String)
        let delivery = try XCTUnwrap((object["deliveries"] as? [[String: Any]])?.first)
        XCTAssertEqual(delivery["state"] as? String, "delivered")
        let attempts = try XCTUnwrap(delivery["attempt_history"] as? [[String: Any]])
        XCTAssertEqual(attempts.compactMap { $0["outcome"] as? String }, ["deferred", "delivered"])
        XCTAssertEqual(attempts.first?["error_class"] as? String, "timeout")
        XCTAssertTrue((49...51) ~= (attempts.first?["duration_ms"] as? Int ?? -1), "duration \(attempts)")
        let receipt = try XCTUnwrap(delivery["receipt"] as? [String: Any])
        XCTAssertEqual(receipt["status"] as? String, "ontvangen")
        XCTAssertEqual((receipt["sha256"] as? String)?.count, 64)

        let missing = try await filled.cli("queue", "show", "no-such-message")
        assertExit(missing, 1)
        XCTAssertTrue(missing.stderr.contains("no-such-message"), missing.stderr)
    }

    func testShowPayloadIsAuditedWithOperatorAndReason() async throws {
        let filled = try await FilledStore.make(self)
        let id = try filled.message("vt-amsterdam-amstelland")

        let noReason = try await filled.cli("queue", "show", id, "--payload")
        assertExit(noReason, 2)
        XCTAssertFalse(noReason.stdout.contains("Testdorp"))
        var events = try await filled.events(id)
        XCTAssertFalse(events.contains(AuditEvent.payloadRead.rawValue))

        let read = try await filled.cli("queue", "show", id, "--payload", "--operator", "a.visser", "--reason", "INC-2211 copy for VT")
        assertExit(read, 0)
        XCTAssertTrue(read.stdout.contains("Testdorp"), "the payload is shown")
        let trail = try await filled.store.auditTrail(messageId: id)
        let record = try XCTUnwrap(trail.last { $0.event == AuditEvent.payloadRead.rawValue })
        XCTAssertEqual(record.actor, "operator:a.visser")
        XCTAssertTrue(record.detail.contains("INC-2211 copy for VT"), record.detail)
        events = try await filled.events(id)
        XCTAssertEqual(events.filter { $0 == AuditEvent.payloadRead.rawValue }.count, 1)
    }

    func testTrailShowsLifeAndVerifiesRecords() async throws {
        let filled = try await FilledStore.make(self)
        let id = try filled.message("shn")
        try await FakeCourier(store: filled.store).run(partner: "shn", .deliver)
        let purge = try await filled.cli("queue", "purge", id, "--operator", "b.smit", "--reason", "retention request 118")
        assertExit(purge, 0)

        let result = try await filled.cli("trail", id, "--json")
        assertExit(result, 0)
        let object = try result.object()
        let records = try XCTUnwrap(object["records"] as? [[String: Any]])
        let events = records.compactMap { $0["event"] as? String }
        for expected in ["message.accepted", "delivery.queued", "delivery.leased", "delivery.delivered", "payload.purged-by-operator"] {
            XCTAssertTrue(events.contains(expected), "missing \(expected) in \(events)")
        }
        let delivered = try XCTUnwrap(records.first { $0["event"] as? String == "delivery.delivered" })
        XCTAssertTrue((delivered["detail"] as? String)?.contains("receipt-sha256=") ?? false)
        let verification = try XCTUnwrap(object["verification"] as? [String: Any])
        XCTAssertNil(verification["problem"] as? String)
        XCTAssertEqual(verification["records_checked"] as? Int, records.count)

        let text = try await filled.cli("trail", id)
        XCTAssertTrue(text.stdout.contains("verified:"), text.stdout)
        let unknown = try await filled.cli("trail", "no-such-message")
        assertExit(unknown, 1)
    }
}
