import Foundation
import KetenpoortStore
import XCTest

/// Operator actions from the CLI process while a "daemon" delivers from the same store file.
final class DaemonConcurrencyTests: XCTestCase {
    func testHoldAndReleaseWhileDaemonDelivers() async throws {
        let (directory, store) = try makeStore(self)
        var haaglanden: [String] = []
        for _ in 0..<12 {
            for example in PipelineFixture.examples {
                let (id, recipients) = try await PipelineFixture.accept(example, into: store)
                if recipients == ["vt-haaglanden"] { haaglanden.append(id) }
            }
        }
        XCTAssertEqual(haaglanden.count, 12)

        // A second connection, as the daemon process has; it delivers whatever is due until told to stop.
        let daemonStore = try SQLiteStore.open(stateDirectory: directory)
        let stop = StopFlag()
        let daemon = Task {
            var delivered = 0
            while !stop.isSet {
                let leased = try await daemonStore.leaseEveryPartner(owner: "daemon", perPartner: 1, leaseDuration: 60, now: Date())
                for item in leased {
                    _ = try await daemonStore.deliver(item.delivery.id, owner: "daemon", token: item.token,
                                                      receipt: FakeCourier.receipt(for: item.delivery.messageId), now: Date())
                    delivered += 1
                }
                try await Task.sleep(for: .milliseconds(50))
            }
            return delivered
        }

        let hold = try await CLIRunner.run(["queue", "hold", "--partner", "vt-haaglanden", "--operator", "f.devries",
                                           "--reason", "endpoint down", "--json", "--state-dir", directory])
        assertExit(hold, 0)
        let changed = (try hold.object()["changed"] as? [[String: Any]])?.count ?? -1
        XCTAssertGreaterThan(changed, 0, "the hold ran while the daemon was still delivering")
        try await waitUntil { try await self.count(store, "vt-haaglanden", .queued) == 0 }
        let heldCount = try await count(store, "vt-haaglanden", .held)
        let deliveredCount = try await count(store, "vt-haaglanden", .delivered)
        XCTAssertEqual(heldCount, changed, "every delivery the CLI reports held stays held while the daemon runs")
        XCTAssertEqual(heldCount + deliveredCount, 12)
        try await waitUntil { try await self.count(store, nil, .queued) == 0 }
        let stillHeld = try await count(store, "vt-haaglanden", .held)
        XCTAssertEqual(stillHeld, heldCount, "the daemon does not send held deliveries")

        let release = try await CLIRunner.run(["queue", "release", "--partner", "vt-haaglanden", "--operator", "f.devries",
                                              "--reason", "endpoint back", "--state-dir", directory])
        assertExit(release, 0)
        // The daemon picks the released deliveries up without a restart.
        try await waitUntil { try await self.count(store, "vt-haaglanden", .delivered) == 12 }
        stop.set()
        let delivered = try await daemon.value
        XCTAssertEqual(delivered, 48)
        try daemonStore.close()

        let certificate = try PipelineFixture.pki.get().path("gateway-sign.pem")
        let verify = try await CLIRunner.run(["audit", "verify", "--state-dir", directory, "--cert", certificate])
        XCTAssertTrue(verify.stdout.hasPrefix("OK:"), verify.stdout + verify.stderr)
        let trail = try await store.auditTrail(messageId: try XCTUnwrap(haaglanden.first))
        XCTAssertTrue(trail.contains { $0.event == "delivery.delivered" })
    }

    private func count(_ store: SQLiteStore, _ partner: String?, _ state: DeliveryState) async throws -> Int {
        try await store.countsByPartnerAndState()
            .filter { (partner == nil || $0.partner == partner) && $0.state == state }.reduce(0) { $0 + $1.count }
    }

    private func waitUntil(timeout: TimeInterval = 30, _ condition: () async throws -> Bool) async throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        XCTFail("condition not reached within \(timeout) s")
    }
}

/// A flag one task sets and another polls.
final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false

    /// Whether the flag is set.
    var isSet: Bool { lock.withLock { value } }

    /// Sets the flag.
    func set() { lock.withLock { value = true } }
}
