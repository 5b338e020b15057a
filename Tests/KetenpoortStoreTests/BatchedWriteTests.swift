import Foundation
import KetenpoortStore
import XCTest

/// Concurrent delivery transitions share commits, and a refused one changes nothing for the others.
struct BatchedWriteSuite {
    let fixture: StoreFixture

    init(fixture: StoreFixture) { self.fixture = fixture }

    func concurrentTransitionsShareCommitsAndARefusalStaysAlone() async throws {
        let store = try await fixture.open()
        let count = 100
        for index in 0..<count { _ = try await store.accept(makeMessage(id: "B-\(index)"), recipients: ["SHN"]) }
        let leased = try await store.lease(owner: "courier", freeSlots: ["SHN": count], leaseDuration: 60, now: testEpoch)
        XCTAssertEqual(leased.count, count)
        let before = await fixture.statistics(store)
        let outcomes = await withTaskGroup(of: Bool.self) { group -> [Bool] in
            for (index, item) in leased.enumerated() {
                // Every tenth caller does not hold the lease: it must be refused without touching the rest.
                let owner = index % 10 == 0 ? "someone-else" : "courier"
                group.addTask {
                    (try? await store.deliver(item.delivery.id, owner: owner, token: item.token, receipt: Data("receipt".utf8), now: testEpoch)) != nil
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        XCTAssertEqual(outcomes.filter { $0 }.count, count - count / 10)
        let after = await fixture.statistics(store)
        let commits = after.batchedCommits - before.batchedCommits
        if fixture.backend == .sqlite {
            // PostgresStore counts only operations of committed transactions (a refusal alone in its batch is not counted).
            XCTAssertEqual(after.batchedOperations - before.batchedOperations, Int64(count))
        }
        XCTAssertLessThan(commits, Int64(count / 2), "concurrent transitions should share commits")

        let counts = try await store.countsByPartnerAndState()
        XCTAssertEqual(Set(counts), [PartnerStateCount(partner: "SHN", state: .delivered, count: count - count / 10),
                                     PartnerStateCount(partner: "SHN", state: .sending, count: count / 10)])
        let report = try await store.verifyAuditChain(verifier: nil)
        XCTAssertTrue(report.isIntact, "\(String(describing: report.firstBreak))")
        // accepted + queued per message, one leased each, and one delivered per successful transition.
        XCTAssertEqual(report.recordCount, Int64(count * 3 + count - count / 10))
    }
}

final class BatchedWriteTests: XCTestCase {
    private func suite() async throws -> BatchedWriteSuite { BatchedWriteSuite(fixture: try await .make(.sqlite, for: self)) }

    func testConcurrentTransitionsShareCommitsAndARefusalStaysAlone() async throws { try await suite().concurrentTransitionsShareCommitsAndARefusalStaysAlone() }
}

final class BatchedWriteTestsOnPostgres: XCTestCase {
    private func suite() async throws -> BatchedWriteSuite { BatchedWriteSuite(fixture: try await .make(.postgres, for: self)) }

    func testConcurrentTransitionsShareCommitsAndARefusalStaysAlone() async throws { try await suite().concurrentTransitionsShareCommitsAndARefusalStaysAlone() }
}
