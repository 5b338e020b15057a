import Foundation
import KetenpoortStore
import XCTest

/// Accepting messages: stored with their deliveries and audit, idempotent on (id, sender, digest), group-committed.
struct AcceptSuite {
    let fixture: StoreFixture

    func acceptStoresMessageDeliveriesAndAudit() async throws {
        let store = try await fixture.open()
        let message = makeMessage(id: "M-1", urgent: true)
        let outcome = try await store.accept(message, recipients: ["VT-0363", "SHN"])
        guard case .accepted(let stored) = outcome else { return XCTFail("expected accepted, got \(outcome)") }
        XCTAssertEqual(stored.recipients, ["VT-0363", "SHN"])
        let status = try await store.status(messageId: "M-1")
        XCTAssertEqual(status?.deliveries.map(\.partner), ["VT-0363", "SHN"])
        XCTAssertEqual(status?.deliveries.map(\.state), [.queued, .queued])
        XCTAssertEqual(status?.message.digest, message.digest)
        let payload = try await store.payload(messageId: "M-1")
        XCTAssertEqual(payload, message.payload)
        let trail = try await store.auditTrail(messageId: "M-1")
        XCTAssertEqual(trail.map(\.event), ["message.accepted", "delivery.queued", "delivery.queued"])
        XCTAssertEqual(trail.map(\.partner), ["", "VT-0363", "SHN"])
        let counts = try await store.countsByPartnerAndState()
        XCTAssertEqual(Set(counts), [
            PartnerStateCount(partner: "SHN", state: .queued, count: 1),
            PartnerStateCount(partner: "VT-0363", state: .queued, count: 1),
        ])
    }

    func sameIdSenderAndDigestReturnsTheExistingRecord() async throws {
        let store = try await fixture.open()
        let message = makeMessage(id: "M-2")
        let first = try await store.accept(message, recipients: ["SHN"])
        let second = try await store.accept(message, recipients: ["SHN"])
        XCTAssertEqual(second, .duplicate(first.message))
        let deliveries = try await store.listDeliveries(DeliveryFilter(messageId: "M-2"), after: nil, limit: 10)
        XCTAssertEqual(deliveries.count, 1, "a repeat must not add deliveries")
        let head = try await store.lastAuditSequence()
        XCTAssertEqual(head, 2, "a repeat must not add audit records")
    }

    func differentDigestIsAConflict() async throws {
        let store = try await fixture.open()
        _ = try await store.accept(makeMessage(id: "M-3"), recipients: ["SHN"])
        let altered = makeMessage(id: "M-3", payload: Data("other bytes".utf8))
        await assertStoreError({ try await store.accept(altered, recipients: ["SHN"]) }) { error in
            if case .messageConflict(let id, let rule) = error { return id == "M-3" && rule.contains("digest") }
            return false
        }
        let otherSender = makeMessage(id: "M-3", sender: "00000099000000000002")
        await assertStoreError({ try await store.accept(otherSender, recipients: ["SHN"]) }) { error in
            if case .messageConflict(let id, let rule) = error { return id == "M-3" && rule.contains("sender") }
            return false
        }
        let payload = try await store.payload(messageId: "M-3")
        XCTAssertEqual(payload, makeMessage(id: "M-3").payload, "a conflict must not change the stored message")
    }

    func invalidAcceptsAreRefused() async throws {
        let store = try await fixture.open()
        await assertStoreError({ try await store.accept(makeMessage(id: "M-4"), recipients: []) }) { error in
            if case .invalidArgument(let text) = error { return text.contains("M-4") }
            return false
        }
        await assertStoreError({ try await store.accept(makeMessage(id: "M-4"), recipients: ["SHN", "SHN"]) }) { error in
            if case .invalidArgument = error { return true }
            return false
        }
    }

    func concurrentAcceptsShareCommits() async throws {
        let store = try await fixture.open()
        let count = 200
        let before = await fixture.statistics(store)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<count {
                group.addTask { _ = try await store.accept(makeMessage(id: "G-\(index)"), recipients: ["SHN"]) }
            }
            try await group.waitForAll()
        }
        let stats = await fixture.statistics(store)
        switch fixture.backend {
        case .sqlite:
            XCTAssertEqual(stats.acceptCalls, Int64(count))
            XCTAssertLessThan(stats.acceptCommits, Int64(count / 2), "group commit should batch concurrent accepts")
        case .postgres:
            XCTAssertEqual(stats.batchedOperations - before.batchedOperations, Int64(count))
            XCTAssertLessThan(stats.batchedCommits - before.batchedCommits, Int64(count / 2),
                              "group commit should batch concurrent accepts")
        }
        let counts = try await store.countsByPartnerAndState()
        XCTAssertEqual(counts, [PartnerStateCount(partner: "SHN", state: .queued, count: count)])
        let report = try await store.verifyAuditChain(verifier: nil)
        XCTAssertTrue(report.isIntact, "\(String(describing: report.firstBreak))")
        XCTAssertEqual(report.recordCount, Int64(count * 2))
    }

    func conflictInABatchDoesNotUndoTheOthers() async throws {
        let store = try await fixture.open()
        _ = try await store.accept(makeMessage(id: "C-0"), recipients: ["SHN"])
        let results = await withTaskGroup(of: (String, Bool).self) { group -> [String: Bool] in
            for index in 0..<20 {
                let message = index == 0 ? makeMessage(id: "C-0", payload: Data("x".utf8)) : makeMessage(id: "C-\(index)")
                group.addTask { (message.id, (try? await store.accept(message, recipients: ["SHN"])) != nil) }
            }
            var all: [String: Bool] = [:]
            for await (id, ok) in group { all[id] = ok }
            return all
        }
        XCTAssertEqual(results["C-0"], false)
        XCTAssertEqual(results.values.filter { $0 }.count, 19)
        for index in 1..<20 {
            let status = try await store.status(messageId: "C-\(index)")
            XCTAssertNotNil(status)
        }
    }

    func reopenKeepsEverything() async throws {
        let store = try await fixture.open()
        _ = try await store.accept(makeMessage(id: "R-1"), recipients: ["SHN"])
        await fixture.close(store)
        let reopened = try await fixture.open()
        let payload = try await reopened.payload(messageId: "R-1")
        XCTAssertEqual(payload, makeMessage(id: "R-1").payload)
    }
}

final class AcceptTests: XCTestCase {
    private func suite() async throws -> AcceptSuite { AcceptSuite(fixture: try await .make(.sqlite, for: self)) }

    func testAcceptStoresMessageDeliveriesAndAudit() async throws { try await suite().acceptStoresMessageDeliveriesAndAudit() }
    func testSameIdSenderAndDigestReturnsTheExistingRecord() async throws { try await suite().sameIdSenderAndDigestReturnsTheExistingRecord() }
    func testDifferentDigestIsAConflict() async throws { try await suite().differentDigestIsAConflict() }
    func testInvalidAcceptsAreRefused() async throws { try await suite().invalidAcceptsAreRefused() }
    func testConcurrentAcceptsShareCommits() async throws { try await suite().concurrentAcceptsShareCommits() }
    func testConflictInABatchDoesNotUndoTheOthers() async throws { try await suite().conflictInABatchDoesNotUndoTheOthers() }
    func testReopenKeepsEverything() async throws { try await suite().reopenKeepsEverything() }
}

final class AcceptTestsOnPostgres: XCTestCase {
    private func suite() async throws -> AcceptSuite { AcceptSuite(fixture: try await .make(.postgres, for: self)) }

    func testAcceptStoresMessageDeliveriesAndAudit() async throws { try await suite().acceptStoresMessageDeliveriesAndAudit() }
    func testSameIdSenderAndDigestReturnsTheExistingRecord() async throws { try await suite().sameIdSenderAndDigestReturnsTheExistingRecord() }
    func testDifferentDigestIsAConflict() async throws { try await suite().differentDigestIsAConflict() }
    func testInvalidAcceptsAreRefused() async throws { try await suite().invalidAcceptsAreRefused() }
    func testConcurrentAcceptsShareCommits() async throws { try await suite().concurrentAcceptsShareCommits() }
    func testConflictInABatchDoesNotUndoTheOthers() async throws { try await suite().conflictInABatchDoesNotUndoTheOthers() }
    func testReopenKeepsEverything() async throws { try await suite().reopenKeepsEverything() }
}

final class DurabilityTests: XCTestCase {
    func testWriterUsesWALAndSynchronousFull() async throws {
        let store = try SQLiteStore.open(stateDirectory: try makeStateDirectory(self))
        let settings = try await store.durabilitySettings()
        XCTAssertEqual(settings.journalMode, "wal")
        XCTAssertEqual(settings.synchronous, 2, "synchronous must be FULL (2); GRDB's WAL setup sets NORMAL (1)")
    }
}
