import Foundation
import Hummingbird
import KetenpoortPKI
import KetenpoortStore
import Logging

/// The admin listener: `/healthz` and Prometheus `/metrics` (plain HTTP, loopback by default).
enum AdminServer {
    /// Builds the admin application; `certificates` gives the (name, file) pairs in force when scraped.
    static func make(host: String, port: Int, store: any MessageStore, metrics: GatewayMetrics,
                     certificates: @escaping @Sendable () -> [(String, String)],
                     revocationLists: @escaping @Sendable () -> [RevocationList],
                     logger: Logger, onRunning: @escaping @Sendable (Int) async -> Void) -> some ApplicationProtocol {
        let router = Router()
        router.get("/healthz") { _, _ -> Response in
            do {
                _ = try await store.countsByPartnerAndState()
                return Response(status: .ok, headers: [.contentType: "text/plain"], body: ResponseBody(byteBuffer: ByteBuffer(string: "ok\n")))
            } catch {
                return Response(status: .serviceUnavailable, headers: [.contentType: "text/plain"],
                                body: ResponseBody(byteBuffer: ByteBuffer(string: "store unavailable\n")))
            }
        }
        router.get("/metrics") { _, _ -> Response in
            await refreshGauges(store: store, metrics: metrics, certificates: certificates(), revocationLists: revocationLists())
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                            body: ResponseBody(byteBuffer: ByteBuffer(bytes: metrics.render())))
        }
        return Application(router: router, configuration: .init(address: .hostname(host, port: port)),
                           onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? port) }, logger: logger)
    }

    /// Queue depth and oldest message age per partner and state, days left per certificate and time left per revocation
    /// list, read when scraped.
    static func refreshGauges(store: any MessageStore, metrics: GatewayMetrics, certificates: [(String, String)],
                              revocationLists: [RevocationList]) async {
        await refreshOldestAges(store: store, metrics: metrics)
        await refreshUnsignedAuditAge(store: store, metrics: metrics)
        if let counts = try? await store.countsByPartnerAndState() {
            var seen: Set<String> = []
            for count in counts {
                metrics.queueDepth(partner: count.partner, state: count.state.rawValue, count: count.count)
                seen.insert(count.partner + "|" + count.state.rawValue)
            }
            for partner in Set(counts.map(\.partner)) {
                for state in DeliveryState.allCases where !seen.contains(partner + "|" + state.rawValue) {
                    metrics.queueDepth(partner: partner, state: state.rawValue, count: 0)
                }
            }
        }
        // Every certificate in each file: a leaf's intermediates and every CA of a bundle expire too. The first is
        // named as configured, the others after it with their common name (the files are the operator's, so bounded).
        // During a CA rollover the old and the new CA share a common name; the serial number keeps them apart.
        var used: Set<String> = []
        for (name, file) in certificates {
            guard let infos = try? CertificateInfo.loadBundle(file: file) else { continue }
            for (index, info) in infos.enumerated() {
                var label = index == 0 ? name : "\(name):\(info.commonName ?? info.serialNumber)"
                if !used.insert(label).inserted {
                    label += ":\(info.serialNumber)"
                    used.insert(label)
                }
                metrics.certificateDaysLeft(certificate: label, days: info.daysUntilExpiry())
            }
        }
        let now = Date()
        for list in revocationLists {
            // A list without a next update is never due; it is not reported.
            guard let next = list.nextUpdate else { continue }
            metrics.revocationListNextUpdate(issuer: "\(list.issuer)", seconds: next.timeIntervalSince(now))
        }
    }

    /// The age of the oldest message per partner in each unfinished state (0 when a state is empty); zero-fills the outcome counters.
    static func refreshOldestAges(store: any MessageStore, metrics: GatewayMetrics) async {
        guard let queries = store as? any OperatorQueries, let summary = try? await queries.queueSummary() else { return }
        let now = Date()
        for partner in Set(summary.map(\.partner)) {
            metrics.registerDeliveryOutcomes(partner: partner)
            for state in DeliveryState.allCases where !state.isFinal {
                let oldest = summary.first { $0.partner == partner && $0.state == state && $0.count > 0 }?.oldestReceivedAt
                metrics.queueOldestAge(partner: partner, state: state.rawValue, seconds: oldest.map { now.timeIntervalSince($0) } ?? 0)
            }
        }
    }

    /// The age of the first audit record after the latest signed tree head (0 when every record is signed).
    static func refreshUnsignedAuditAge(store: any MessageStore, metrics: GatewayMetrics) async {
        guard let head = try? await store.latestTreeHead().map(\.treeSize) ?? 0,
              let records = try? await store.auditRecords(afterSequence: head, limit: 1) else { return }
        let age = records.first.map { Date().timeIntervalSince(Date(timeIntervalSince1970: Double($0.timeMillis) / 1000)) } ?? 0
        metrics.auditUnsignedAge(seconds: age)
    }
}
