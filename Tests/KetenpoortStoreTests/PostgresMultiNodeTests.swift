import Foundation
import KetenpoortPostgres
import KetenpoortStore
import KetenpoortTesting
import Synchronization
import XCTest

/// Several gateway nodes on one PostgreSQL database, and PostgreSQL going away under load.
final class PostgresMultiNodeTests: XCTestCase {
    /// A fresh database, dropped when the test ends, with `operationTimeout` for the stores opened on it.
    private func database(operationTimeout: TimeInterval = 10) async throws -> PostgresTestDatabase {
        let database = try await PostgresTestDatabase.create(operationTimeout: operationTimeout)
        addTeardownBlock { try? await database.drop() }
        return database
    }

    private func open(_ database: PostgresTestDatabase, access: StoreAccess = .migrate) async throws -> PostgresStore {
        let store = try await PostgresStore.open(settings: database.settings, access: access, payloadKeys: true, logger: quietLogger)
        addTeardownBlock { await store.shutdown() }
        return store
    }

    func testTwoNodesLeasingConcurrentlyNeverLeaseTheSameDelivery() async throws {
        let database = try await database()
        let nodeA = try await open(database)
        let nodeB = try await open(database, access: .readWrite)
        let partners = ["SHN", "OM", "VT-0363", "VT-0599"]
        let messages = 120
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<messages {
                let store = index.isMultiple(of: 2) ? nodeA : nodeB
                group.addTask {
                    _ = try await store.accept(makeMessage(id: "N-\(index)", urgent: index.isMultiple(of: 7),
                                                           received: testEpoch.addingTimeInterval(Double(index))),
                                               recipients: partners)
                }
            }
            try await group.waitForAll()
        }
        let total = messages * partners.count

        // Eight lessees per node, each leasing until nothing is due; the lease outlives the test, so nothing expires.
        let now = testEpoch.addingTimeInterval(3600)
        let leases = try await withThrowingTaskGroup(of: [(owner: String, leased: LeasedDelivery)].self) { group in
            for (node, store) in [("node-a", nodeA), ("node-b", nodeB)] {
                for lessee in 0..<8 {
                    let owner = "\(node)/\(lessee)"
                    group.addTask {
                        var mine: [(owner: String, leased: LeasedDelivery)] = []
                        while true {
                            let batch = try await store.lease(owner: owner, freeSlots: Dictionary(uniqueKeysWithValues: partners.map { ($0, 3) }),
                                                              leaseDuration: 86_400, now: now)
                            if batch.isEmpty { return mine }
                            mine += batch.map { (owner, $0) }
                        }
                    }
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }

        let byDelivery = Dictionary(grouping: leases, by: { $0.leased.delivery.id })
        XCTAssertEqual(leases.count, total, "every delivery is leased exactly once")
        XCTAssertEqual(byDelivery.count, total)
        XCTAssertEqual(byDelivery.values.filter { $0.count > 1 }.count, 0, "no delivery may be leased twice at once")
        XCTAssertTrue(leases.contains { $0.owner.hasPrefix("node-a") } && leases.contains { $0.owner.hasPrefix("node-b") },
                      "both nodes must have leased")
        for (owner, leased) in leases {
            XCTAssertEqual(leased.delivery.leaseOwner, owner)
            XCTAssertEqual(leased.token, LeaseToken(rawValue: 1))
            XCTAssertEqual(leased.delivery.attempts, 1)
        }
        let stored = try await nodeA.allDeliveries(QueueFilter())
        XCTAssertEqual(stored.count, total)
        for delivery in stored {
            let lessee = byDelivery[delivery.id]?.first?.owner
            XCTAssertEqual(delivery.state, .sending)
            XCTAssertEqual(delivery.attempts, 1, "delivery \(delivery.id) was leased more than once")
            XCTAssertEqual(delivery.leaseOwner, lessee, "the database and the lessee must agree on the owner")
        }

        // Each node finishes its own leases concurrently; both append to the one audit chain.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (owner, leased) in leases {
                let store = owner.hasPrefix("node-a") ? nodeA : nodeB
                group.addTask {
                    _ = try await store.deliver(leased.delivery.id, owner: owner, token: leased.token, receipt: Data("r".utf8), now: now)
                }
            }
            try await group.waitForAll()
        }
        let counts = try await nodeB.countsByPartnerAndState()
        XCTAssertEqual(counts.filter { $0.state == .delivered }.reduce(0) { $0 + $1.count }, total)
        let report = try await nodeA.verifyAuditChain(verifier: nil)
        XCTAssertTrue(report.isIntact, "\(String(describing: report.firstBreak))")
        // accepted + queued per recipient, leased and delivered per delivery.
        XCTAssertEqual(report.recordCount, Int64(messages + total * 3))
    }

    func testPostgresRestartedWhileAcceptsRunLosesNothingAndTheStoreRecovers() async throws {
        // A short operation timeout, so accepts while the server is down fail instead of waiting for it.
        let database = try await database(operationTimeout: 1)
        let store = try await open(database)
        let tally = AcceptTally()

        let workers = Task {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in 0..<8 {
                    group.addTask {
                        var index = 0
                        while !tally.stopped {
                            let id = "W\(worker)-\(index)"
                            index += 1
                            tally.attempted(id)
                            do {
                                _ = try await store.accept(makeMessage(id: id), recipients: ["SHN"])
                                tally.succeeded(id)
                            } catch let error as StoreError {
                                tally.failed(id, error)
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
        try await waitUntil("20 accepts before the restart") { tally.successCount >= 20 }
        try await database.restartServer(secondsDown: 3)
        let afterRestart = tally.successCount
        try await waitUntil("20 accepts after the restart, on the same store") { tally.successCount >= afterRestart + 20 }
        tally.stop()
        try await waitForCompletion(of: workers, "the accepting workers")

        let (attempted, succeeded, failed) = tally.snapshot()
        XCTAssertFalse(failed.isEmpty, "accepts while PostgreSQL was down must fail, not wait for it")
        XCTAssertEqual(Set(attempted), Set(succeeded).union(failed.keys), "every accept returned or threw")
        for (id, error) in failed {
            guard case .unavailable = error else { return XCTFail("accept \(id) failed with \(error), expected an unavailable error (503)") }
        }
        for id in succeeded {
            let payload = try await store.payload(messageId: id)
            XCTAssertEqual(payload, makeMessage(id: id).payload, "accept \(id) returned, so it must be durable")
        }
        // The senders retry what failed: idempotent, whether or not the failed attempt had committed after all.
        for id in failed.keys {
            let outcome = try await store.accept(makeMessage(id: id), recipients: ["SHN"])
            XCTAssertEqual(outcome.message.id, id)
        }
        let counts = try await store.countsByPartnerAndState()
        XCTAssertEqual(counts, [PartnerStateCount(partner: "SHN", state: .queued, count: attempted.count)])
        let report = try await store.verifyAuditChain(verifier: nil)
        XCTAssertTrue(report.isIntact, "\(String(describing: report.firstBreak))")
        XCTAssertEqual(report.recordCount, Int64(attempted.count * 2))
    }
}

/// What the accepting workers did, shared between them and the test.
private final class AcceptTally: Sendable {
    private struct State {
        var stopped = false
        var attempted: [String] = []
        var succeeded: [String] = []
        var failed: [String: StoreError] = [:]
    }

    private let state = Mutex(State())

    var stopped: Bool { state.withLock { $0.stopped } }
    var successCount: Int { state.withLock { $0.succeeded.count } }

    func stop() { state.withLock { $0.stopped = true } }
    func attempted(_ id: String) { state.withLock { $0.attempted.append(id) } }
    func succeeded(_ id: String) { state.withLock { $0.succeeded.append(id) } }
    func failed(_ id: String, _ error: StoreError) { state.withLock { $0.failed[id] = error } }

    func snapshot() -> (attempted: [String], succeeded: [String], failed: [String: StoreError]) {
        state.withLock { ($0.attempted, $0.succeeded, $0.failed) }
    }
}
