import CoreMetrics
import Prometheus

/// The gateway's witness metrics, in the gateway's registry: witnessed size and waiting age per witness, and quorum.
struct WitnessPushMetrics: Sendable {
    private let factory: PrometheusMetricsFactory

    /// Metrics in the registry of `metrics` (rendered by the admin `/metrics`).
    init(_ metrics: GatewayMetrics) {
        factory = PrometheusMetricsFactory(registry: metrics.registry)
    }

    /// The size of the latest head the witness cosigned (`ketenpoort_witness_size`).
    func size(witness: String, _ size: Int64) {
        Gauge(label: "ketenpoort_witness_size", dimensions: [("witness", witness)], factory: factory).record(Double(size))
    }

    /// Seconds the gateway's latest head has waited for this witness; 0 when it holds it (`ketenpoort_witness_age_seconds`).
    func age(witness: String, seconds: Double) {
        Gauge(label: "ketenpoort_witness_age_seconds", dimensions: [("witness", witness)], factory: factory).record(seconds)
    }

    /// 1 when enough witnesses hold the latest head or it is younger than the maximum age, else 0 (`ketenpoort_witnessed_quorum`).
    func quorum(_ met: Bool) {
        Gauge(label: "ketenpoort_witnessed_quorum", factory: factory).record(met ? 1 : 0)
    }

    /// Counts a head a witness refused, by reason (`ketenpoort_witness_refusals_total`).
    func refused(witness: String, reason: String) {
        Counter(label: "ketenpoort_witness_refusals_total", dimensions: [("witness", witness), ("reason", reason)],
                factory: factory).increment()
    }

    /// Counts a push that failed (unreachable, timeout, bad cosignature) (`ketenpoort_witness_push_failures_total`).
    func failed(witness: String) {
        Counter(label: "ketenpoort_witness_push_failures_total", dimensions: [("witness", witness)], factory: factory).increment()
    }
}
