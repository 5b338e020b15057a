import Foundation
import Histogram
import KetenpoortServer
import KetenpoortStore
import Logging

/// Reads the gateway's store from outside (read-only, without payload keys) to follow deliveries: the SQLite file in the
/// state directory, or the shared PostgreSQL database.
struct DeliveryWatcher {
    /// The gateway's store.
    let store: ConfiguredStore

    /// Opens the store of a running SQLite gateway without payload keys.
    init(stateDirectory: String) throws {
        store = try SQLiteStore.openWithoutKeys(stateDirectory: stateDirectory)
    }

    /// Follows an already opened store.
    init(store: ConfiguredStore) {
        self.store = store
    }

    /// Opens the store a gateway configuration names, read-only and without payload keys.
    static func open(_ configuration: GatewayConfiguration) async throws -> DeliveryWatcher {
        DeliveryWatcher(store: try await StoreOpening.open(configuration, access: .readOnly, payloadKeys: false, logger: quietLogger))
    }

    /// Closes the store (PostgreSQL's connection pool).
    func close() async {
        await StoreOpening.close(store)
    }

    private static let quietLogger = Logger(label: "ketenpoort.bench.watcher", factory: { _ in SwiftLogNoOpLogHandler() })

    /// Deliveries per state, summed over partners.
    func countsByState() async throws -> [DeliveryState: Int] {
        var counts: [DeliveryState: Int] = [:]
        for row in try await store.countsByPartnerAndState() { counts[row.state, default: 0] += row.count }
        return counts
    }

    /// Waits until no delivery is queued, sending or deferred; returns whether that happened within `timeout` seconds.
    func waitUntilDrained(timeout: Double) async throws -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let counts = try await countsByState()
            if (counts[.queued] ?? 0) + (counts[.sending] ?? 0) + (counts[.deferred] ?? 0) == 0 { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        return false
    }

    /// Every delivery, in id order (paged).
    func allDeliveries(state: DeliveryState? = nil) async throws -> [DeliveryRecord] {
        try await store.allDeliveries(QueueFilter(states: state.map { [$0] }), pageSize: 10_000)
    }

    /// Latency from POST start to the stored receipt, and the delivery rate, for the accepted messages.
    func endToEnd(acceptedAt: [String: Double]) async throws -> EndToEndFigures {
        var histogram = LatencySummary.makeHistogram()
        var delivered = 0
        var lastDelivery = 0.0
        for record in try await allDeliveries(state: .delivered) {
            guard let start = acceptedAt[record.messageId], record.receipt != nil else { continue }
            let end = record.updatedAt.timeIntervalSince1970
            delivered += 1
            lastDelivery = max(lastDelivery, end)
            _ = histogram.record(UInt64(max(1, (end - start) * 1e6)))
        }
        let first = acceptedAt.values.min() ?? 0
        let span = lastDelivery - first
        return EndToEndFigures(delivered: delivered, undelivered: acceptedAt.count - delivered,
                               deliveredPerSecond: span > 0 ? Double(delivered) / span : 0, latencyMs: LatencySummary(histogram))
    }
}
