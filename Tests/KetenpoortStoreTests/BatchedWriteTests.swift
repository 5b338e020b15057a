import Foundation
import KetenpoortStore
import XCTest

/// Concurrent delivery transitions share commits, and a refused one changes nothing for the others.
final class BatchedWriteTests: XCTestCase {
    func testConcurrentTransitionsShareCommitsAndARefusalStaysAlone() async throws {
        let store = try SQLiteStore.open(stateDirectory: try makeStateDirectory(self))
        let count = 100
        for index in 0..<count { _ = try await store.accept(makeMessage(id: "B-\(index)"), recipients: ["SHN"]) }
        let leased = try await store.lease(owner: "courier", freeSlots: ["SHN": count], leaseDuration: 60, now: testEpoch)
        XCTAssertEqual(leased.count, count)
        let before = await store.statistics()
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
        let after = await store.statistics()
        let commits = after.batchedCommits - before.batchedCommits
        XCTAssertEqual(after.batchedOperations - before.batchedOperations, Int64(count))
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
