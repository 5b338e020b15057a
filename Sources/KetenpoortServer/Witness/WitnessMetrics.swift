import CoreMetrics
import Prometheus

/// The witness's metrics in its own Prometheus registry: accepted heads, refusals (alerts) and witnessed sizes.
public struct WitnessMetrics: Sendable {
    /// The registry that `/metrics` renders.
    public let registry: PrometheusCollectorRegistry
    private let factory: PrometheusMetricsFactory

    /// Creates metrics with a fresh registry.
    public init() {
        registry = PrometheusCollectorRegistry()
        factory = PrometheusMetricsFactory(registry: registry)
    }

    /// Counts a head accepted and cosigned, and sets the gateway's witnessed size.
    public func accepted(gateway: String, treeSize: Int64) {
        Counter(label: "ketenpoort_witness_heads_accepted_total", dimensions: [("gateway", gateway)], factory: factory).increment()
        Gauge(label: "ketenpoort_witness_tree_size", dimensions: [("gateway", gateway)], factory: factory).record(Double(treeSize))
    }

    /// Counts a refused head by reason (`inconsistent`, `older`, `split-view`, `bad-signature`): each is an alert.
    public func alert(gateway: String, reason: String) {
        Counter(label: "ketenpoort_witness_alerts_total", dimensions: [("gateway", gateway), ("reason", reason)],
                factory: factory).increment()
    }

    /// Sets the witnessed size of a gateway (at start, from the ledger).
    public func witnessedSize(gateway: String, treeSize: Int64) {
        Gauge(label: "ketenpoort_witness_tree_size", dimensions: [("gateway", gateway)], factory: factory).record(Double(treeSize))
    }

    /// The Prometheus text exposition of every metric.
    public func render() -> [UInt8] {
        registry.emitToBuffer()
    }
}
