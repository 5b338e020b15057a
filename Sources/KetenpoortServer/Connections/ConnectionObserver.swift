import Foundation
import Logging
import NIOConcurrencyHelpers

/// Logs (rate-limited) and counts what a listener refuses or closes: limits reached, deadlines passed, failed handshakes.
///
/// Log lines carry the listener, the peer address and a reason; never certificate or message content.
public struct ConnectionObserver: Sendable {
    private let listener: String
    private let logger: Logger
    private let metrics: GatewayMetrics?
    private let budget: LogBudget

    /// Creates an observer for the listener named `listener` (e.g. `intake`); at most `linesPerMinute` log lines a minute.
    public init(listener: String, logger: Logger, metrics: GatewayMetrics?, linesPerMinute: Int = 60) {
        self.listener = listener
        self.logger = logger
        self.metrics = metrics
        self.budget = LogBudget(linesPerMinute: linesPerMinute)
    }

    func refused(peer: String, reason: String) {
        metrics?.connectionRefused(listener: listener, reason: reason)
        log("connection refused", peer: peer, reason: reason)
    }

    func timedOut(peer: String, phase: String) {
        metrics?.connectionTimedOut(listener: listener, phase: phase)
        // A kept-alive connection closing when idle is normal; the other deadlines mean a slow or hostile peer.
        log("connection timed out", peer: peer, reason: "\(phase)-timeout", level: phase == "idle" ? .debug : .notice)
    }

    func handshakeFailed(peer: String, reason: String) {
        metrics?.tlsHandshakeFailed(listener: listener, reason: reason)
        log("TLS handshake refused", peer: peer, reason: reason)
    }

    private func log(_ message: Logger.Message, peer: String, reason: String, level: Logger.Level = .notice) {
        guard logger.logLevel <= level, let suppressed = budget.take() else { return }
        var metadata: Logger.Metadata = ["listener": .string(listener), "peer": .string(peer), "reason": .string(reason)]
        if suppressed > 0 { metadata["suppressed_before"] = .stringConvertible(suppressed) }
        logger.log(level: level, message, metadata: metadata)
    }
}

/// A per-minute allowance of log lines; counts what it suppressed.
final class LogBudget: Sendable {
    private struct State {
        var windowStart = Date.distantPast
        var used = 0
        var suppressed = 0
    }

    private let state = NIOLockedValueBox(State())
    private let linesPerMinute: Int

    init(linesPerMinute: Int) {
        self.linesPerMinute = linesPerMinute
    }

    /// nil when the line must be suppressed; otherwise how many were suppressed since the last line written.
    func take(now: Date = Date()) -> Int? {
        state.withLockedValue { state in
            if now.timeIntervalSince(state.windowStart) >= 60 {
                state.windowStart = now
                state.used = 0
            }
            guard state.used < linesPerMinute else {
                state.suppressed += 1
                return nil
            }
            state.used += 1
            defer { state.suppressed = 0 }
            return state.suppressed
        }
    }
}
