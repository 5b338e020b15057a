import Foundation
import KetenpoortOperations
import KetenpoortStore
import KetenpoortTesting
import XCTest

/// `queue retry/hold/release` without a process: what the runner reports and how it refuses, on a real SQLite store.
final class QueueActionRunnerTests: XCTestCase {
    private let now = Date(timeIntervalSince1970: 1_800_000_000)
    private let operatorAction = OperatorAction(name: "j.jansen", reason: "SHN maintenance INC-4410")

    private func temporaryStore() throws -> TemporaryStore {
        let temporary = try TemporaryStore()
        addTeardownBlock { temporary.remove() }
        return temporary
    }

    private func runner(_ store: SQLiteStore, _ transition: OperatorTransition) -> QueueActionRunner {
        QueueActionRunner(store: store, transition: transition, operatorAction: operatorAction)
    }

    /// The failure's text, or nil when `body` did not throw an ``OperatorFailure``.
    private func refusal(_ body: () async throws -> ActionReport) async -> OperatorFailure? {
        do {
            _ = try await body()
            return nil
        } catch let failure as OperatorFailure {
            return failure
        } catch {
            XCTFail("unexpected \(error)")
            return nil
        }
    }

    func testHoldingAMessageReportsEveryDeliveryFromAndTo() async throws {
        let temporary = try temporaryStore()
        let id = try await temporary.accept(partners: ["shn", "vt-utrecht"], receivedAt: now)
        let report = try await runner(temporary.store, .hold).run(ActionTarget(messageId: id, partner: nil, bulkStates: []), now: now)
        XCTAssertEqual(report.action, "hold")
        XCTAssertEqual(report.operator_name, "j.jansen")
        XCTAssertEqual(report.changed.map(\.partner), ["shn", "vt-utrecht"])
        XCTAssertEqual(report.changed.map(\.from), ["queued", "queued"])
        XCTAssertEqual(report.changed.map(\.to), ["held", "held"])
    }

    func testAMessageWithADeliveryInTheWrongStateIsRefusedWithTheRuleAndNothingChanges() async throws {
        let temporary = try temporaryStore()
        let id = try await temporary.accept(partners: ["shn", "vt-utrecht"], receivedAt: now)
        _ = try await temporary.store.lease(owner: "node-a", freeSlots: ["vt-utrecht": 1], leaseDuration: 60, now: now)
        let failure = await refusal { try await runner(temporary.store, .hold).run(ActionTarget(messageId: id, partner: nil, bulkStates: []), now: now) }
        let text = try XCTUnwrap(failure?.description)
        XCTAssertEqual(failure?.exitCode, OperatorExit.refused)
        XCTAssertTrue(text.contains("to vt-utrecht is sending"), text)
        XCTAssertTrue(text.contains("hold is allowed only from queued or deferred"), text)
        XCTAssertTrue(text.contains("Nothing was changed"), text)
        XCTAssertTrue(text.contains("Use --partner"), text)
        let status = try await temporary.store.status(messageId: id)
        XCTAssertEqual(status?.deliveries.map(\.state), [.queued, .sending])
    }

    func testAnUnknownMessageOrPartnerIsNamedInTheRefusal() async throws {
        let temporary = try temporaryStore()
        let id = try await temporary.accept(partners: ["shn"], receivedAt: now)
        let unknown = await refusal { try await runner(temporary.store, .retry).run(ActionTarget(messageId: "nope", partner: nil, bulkStates: [])) }
        XCTAssertEqual(unknown?.description, "message nope is not in the store")
        let wrongPartner = await refusal {
            try await runner(temporary.store, .hold).run(ActionTarget(messageId: id, partner: "vt-utrecht", bulkStates: []))
        }
        XCTAssertEqual(wrongPartner?.description, "message \(id) has no delivery to vt-utrecht (its partners: shn)")
    }

    func testABulkReleaseTakesOnlyThatPartnersHeldDeliveries() async throws {
        let temporary = try temporaryStore()
        var shn: [String] = []
        for _ in 0..<3 { shn.append(try await temporary.accept(partners: ["shn"], receivedAt: now)) }
        let other = try await temporary.accept(partners: ["vt-utrecht"], receivedAt: now)
        _ = try await runner(temporary.store, .hold).run(ActionTarget(messageId: nil, partner: nil, bulkStates: [.queued]), now: now)
        let report = try await runner(temporary.store, .release).run(ActionTarget(messageId: nil, partner: "shn", bulkStates: [.held]), now: now)
        XCTAssertEqual(Set(report.changed.map(\.message_id)), Set(shn))
        XCTAssertTrue(report.changed.allSatisfy { $0.from == "held" && $0.to == "queued" })
        let untouched = try await temporary.store.status(messageId: other)
        XCTAssertEqual(untouched?.deliveries.map(\.state), [.held])
    }
    func testABulkActionOverSeveralPagesChangesEveryDeliveryOnceAndAuditsEach() async throws {
        let temporary = try temporaryStore()
        let count = DeliverySelection.bulkPageSize * 2 + 7
        for _ in 0..<count { _ = try await temporary.accept(partners: ["shn"], receivedAt: now) }
        let other = try await temporary.accept(partners: ["vt-utrecht"], receivedAt: now)
        let headBefore = try await temporary.store.auditHeadSequence()
        let report = try await runner(temporary.store, .hold).run(ActionTarget(messageId: nil, partner: "shn", bulkStates: [.queued]), now: now)
        XCTAssertEqual(report.changed.count, count)
        XCTAssertEqual(Set(report.changed.map(\.delivery_id)).count, count, "no delivery is taken twice")
        XCTAssertTrue(report.changed.allSatisfy { $0.partner == "shn" && $0.from == "queued" && $0.to == "held" })
        let headAfter = try await temporary.store.auditHeadSequence()
        XCTAssertEqual(headAfter - headBefore, Int64(count), "one audit record per delivery")
        let counts = try await temporary.store.countsByPartnerAndState()
        XCTAssertEqual(counts.first { $0.partner == "shn" && $0.state == .held }?.count, count)
        XCTAssertNil(counts.first { $0.partner == "shn" && $0.state == .queued })
        let untouched = try await temporary.store.status(messageId: other)
        XCTAssertEqual(untouched?.deliveries.map(\.state), [.queued])
    }
}
