import Foundation
import KetenpoortServer
import KetenpoortStore
import KetenpoortTesting
import XCTest

/// The dispatcher ends on cancellation as well as on graceful shutdown, and a failing store never makes it spin.
final class DispatcherLifecycleTests: XCTestCase {
    func testTheDispatcherEndsOnCancellationWithASendInFlight() async throws {
        let rig = try DispatcherRig(partners: ["shn": 1])
        defer { rig.temporary.remove() }
        let accepted = try await rig.accept(1, for: "shn")
        let id = try XCTUnwrap(accepted.first)
        await rig.transport.stall("shn")
        let run = rig.start()
        let stalled = await rig.transport.waitForStalled(1, partner: "shn")
        XCTAssertTrue(stalled)

        run.cancel()
        _ = try await waitForCompletion(of: run, "the dispatcher to end after cancellation")
        // The send was cut short by the cancellation, so the lease is given back: due again at once for the next run.
        let delivery = try await rig.store.status(messageId: id)?.deliveries.first
        XCTAssertEqual(delivery?.state, .queued)
        let last = try await rig.store.auditTrail(messageId: id).last
        XCTAssertEqual(last?.event, AuditEvent.deliveryLeaseReturned.rawValue)
    }

    func testGracefulShutdownLetsTheDeliveriesInFlightFinish() async throws {
        let rig = try DispatcherRig(partners: ["shn": 2])
        defer { rig.temporary.remove() }
        let ids = try await rig.accept(2, for: "shn")
        await rig.transport.stall("shn")
        let service = RunningService(rig.dispatcher, logger: rig.logs.logger(label: "group"))
        let stalled = await rig.transport.waitForStalled(2, partner: "shn")
        XCTAssertTrue(stalled)

        await service.shutDownGracefully()
        await rig.transport.release("shn")
        _ = try await waitForCompletion(of: service.task, "the service group to end after graceful shutdown")
        for id in ids {
            let delivery = try await rig.store.status(messageId: id)?.deliveries.first
            XCTAssertEqual(delivery?.state, .delivered, "an in-flight delivery finishes during graceful shutdown")
        }
    }

    func testAStoreErrorPausesTheLoopInsteadOfSpinning() async throws {
        let temporary = try TemporaryStore()
        defer { temporary.remove() }
        // A store opened without payload keys: every lease fails.
        let keyless = try SQLiteStore(databasePath: temporary.store.databasePath, keyring: nil)
        let rig = try DispatcherRig(partners: ["shn": 1], temporary: temporary, store: keyless, storeErrorDelay: .milliseconds(100))
        try await rig.accept(1, for: "shn")
        let run = rig.start()
        // Wake-ups keep coming (accepted messages, finished deliveries); they must not cut the pause short.
        let dispatcher = rig.dispatcher
        let wakes = Task {
            while !Task.isCancelled {
                dispatcher.wake()
                try? await Task.sleep(for: .milliseconds(1))
            }
        }
        try await waitUntil("three failed lease attempts") { rig.logs.entries(containing: "lease failed").count >= 3 }
        wakes.cancel()
        let failures = rig.logs.entries(containing: "lease failed")
        XCTAssertGreaterThanOrEqual(failures[1].instant - failures[0].instant, .milliseconds(100))
        XCTAssertGreaterThanOrEqual(failures[2].instant - failures[1].instant, .milliseconds(200), "the pause doubles while errors go on")
        XCTAssertEqual(failures[0].level, .error)
        XCTAssertEqual(failures[0].metadata["error"]?.contains("payload keys"), true)
        try await rig.stop(run)
    }
}
