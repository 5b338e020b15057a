import Foundation

/// When to try a delivery again: exponential backoff with jitter, capped, until a maximum age.
public struct DeliveryRetryPolicy: Sendable {
    /// Delay after the first failed attempt.
    public let initialDelay: TimeInterval
    /// Largest delay.
    public let maxDelay: TimeInterval
    /// A message older than this is not tried again.
    public let maxAge: TimeInterval
    /// Random spread of each delay (0.2 = ±20 %).
    public let jitter: Double

    /// The policy from configuration, with defaults 5 s, 600 s, 72 h, 0.2.
    public init(_ configuration: GatewayConfiguration.RetryPolicy) {
        initialDelay = configuration.initialDelaySeconds ?? 5
        maxDelay = configuration.maxDelaySeconds ?? 600
        maxAge = (configuration.maxAgeHours ?? 72) * 3600
        jitter = configuration.jitter ?? 0.2
    }

    /// The delay before the next attempt after `attempts` failed ones (1 = the first failure).
    public func delay(afterAttempts attempts: Int, random: Double = Double.random(in: -1...1)) -> TimeInterval {
        let exponent = Double(max(0, min(attempts - 1, 30)))
        let base = min(maxDelay, initialDelay * pow(2, exponent))
        return max(0.1, base * (1 + jitter * random))
    }
}
