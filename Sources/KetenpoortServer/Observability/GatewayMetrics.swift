import CoreMetrics
import Foundation
import Prometheus

/// The gateway's metrics, kept in its own Prometheus registry (no payload content, no personal data).
public struct GatewayMetrics: Sendable {
    /// The registry that `/metrics` renders.
    public let registry: PrometheusCollectorRegistry
    private let factory: PrometheusMetricsFactory

    /// Creates metrics with a fresh registry and delivery-latency buckets from 10 ms to 1 hour.
    public init() {
        registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        let seconds: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600]
        factory.durationHistogramBuckets["ketenpoort_delivery_latency_seconds"] = seconds.map { .milliseconds(Int64($0 * 1000)) }
        factory.durationHistogramBuckets["ketenpoort_intake_duration_seconds"] = seconds.prefix(9).map { .milliseconds(Int64($0 * 1000)) }
        self.factory = factory
    }

    /// Counts one intake request by sender, kind and result (accepted, duplicate, invalid, forbidden, …). `sender` is a
    /// configured sender's OIN (an organisation, never a person) or `unknown`, so the label's values stay bounded.
    public func intake(sender: String, kind: String, result: String) {
        Counter(label: "ketenpoort_intake_total", dimensions: [("sender", sender), ("kind", kind), ("result", result)],
                factory: factory).increment()
    }

    /// Records how long an accepted intake request took.
    public func intakeLatency(since start: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - start
        let nanoseconds = elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000
        Timer(label: "ketenpoort_intake_duration_seconds", factory: factory).recordNanoseconds(nanoseconds)
    }

    /// Counts one delivery attempt by partner and outcome (delivered, deferred, failed).
    public func deliveryAttempt(partner: String, outcome: String) {
        Counter(label: "ketenpoort_delivery_attempts_total", dimensions: [("partner", partner), ("outcome", outcome)],
                factory: factory).increment()
    }

    /// Records the time from acceptance to verified receipt.
    public func deliveryLatency(partner: String, seconds: TimeInterval) {
        Timer(label: "ketenpoort_delivery_latency_seconds", dimensions: [("partner", partner)], factory: factory)
            .recordNanoseconds(Int64(max(0, seconds) * 1e9))
    }

    /// Sets the number of deliveries for a partner in a state.
    public func queueDepth(partner: String, state: String, count: Int) {
        Gauge(label: "ketenpoort_queue_deliveries", dimensions: [("partner", partner), ("state", state)], factory: factory)
            .record(Double(count))
    }

    /// Sets the age in seconds of the oldest message among a partner's deliveries in a state (0 when there are none).
    public func queueOldestAge(partner: String, state: String, seconds: Double) {
        Gauge(label: "ketenpoort_queue_oldest_age_seconds", dimensions: [("partner", partner), ("state", state)], factory: factory)
            .record(max(0, seconds))
    }

    /// Makes a partner's delivery outcome counters exist at 0, so `increase()` sees their first failure or delivery.
    public func registerDeliveryOutcomes(partner: String) {
        for outcome in ["delivered", "deferred", "failed", "refused"] {
            Counter(label: "ketenpoort_delivery_attempts_total", dimensions: [("partner", partner), ("outcome", outcome)],
                    factory: factory).increment(by: 0)
        }
    }

    /// Sets how long the oldest audit record not yet covered by a signed tree head has waited (0 when all are signed).
    public func auditUnsignedAge(seconds: Double) {
        Gauge(label: "ketenpoort_audit_unsigned_age_seconds", factory: factory).record(max(0, seconds))
    }

    /// Sets the seconds until a loaded revocation list's next update is due (negative once it is past due, so stale).
    public func revocationListNextUpdate(issuer: String, seconds: Double) {
        Gauge(label: "ketenpoort_revocation_list_next_update_seconds", dimensions: [("issuer", issuer)], factory: factory)
            .record(seconds)
    }

    /// Sets the days until a configured certificate expires.
    public func certificateDaysLeft(certificate: String, days: Int) {
        Gauge(label: "ketenpoort_certificate_days_left", dimensions: [("certificate", certificate)], factory: factory).record(Double(days))
    }

    /// Counts a connection a listener closed at once because a connection limit was reached.
    public func connectionRefused(listener: String, reason: String) {
        Counter(label: "ketenpoort_connections_refused_total", dimensions: [("listener", listener), ("reason", reason)],
                factory: factory).increment()
    }

    /// Counts a connection a listener closed because a handshake, header, body or idle deadline passed.
    public func connectionTimedOut(listener: String, phase: String) {
        Counter(label: "ketenpoort_connection_timeouts_total", dimensions: [("listener", listener), ("phase", phase)],
                factory: factory).increment()
    }

    /// Counts a refused or failed TLS handshake by reason (never certificate content).
    public func tlsHandshakeFailed(listener: String, reason: String) {
        Counter(label: "ketenpoort_tls_handshake_failures_total", dimensions: [("listener", listener), ("reason", reason)],
                factory: factory).increment()
    }

    /// Counts a request answered 503 because admission was at its concurrency limit.
    public func admissionBusy(listener: String) {
        Counter(label: "ketenpoort_admission_busy_total", dimensions: [("listener", listener)], factory: factory).increment()
    }

    /// The Prometheus text exposition of every metric.
    public func render() -> [UInt8] {
        registry.emitToBuffer()
    }
}
