import NIOConcurrencyHelpers

/// Counts open connections, in total and per peer address, and admits a new one only within both limits.
public final class ConnectionCounter: Sendable {
    private struct Counts {
        var total = 0
        var perPeer: [String: Int] = [:]
    }

    /// Why a connection was not admitted.
    public enum Refusal: String, Sendable {
        /// The listener has its maximum of open connections.
        case total = "max-connections"
        /// This peer address has its maximum of open connections.
        case perPeer = "max-connections-per-peer"
    }

    private let counts = NIOLockedValueBox(Counts())
    private let maxTotal: Int
    private let maxPerPeer: Int

    /// Creates a counter with the two limits.
    public init(maxTotal: Int, maxPerPeer: Int) {
        self.maxTotal = maxTotal
        self.maxPerPeer = maxPerPeer
    }

    /// Counts a new connection from `peer` if both limits allow it; otherwise says which limit refused it.
    public func admit(peer: String) -> Refusal? {
        counts.withLockedValue { counts in
            if counts.total >= maxTotal { return .total }
            if counts.perPeer[peer, default: 0] >= maxPerPeer { return .perPeer }
            counts.total += 1
            counts.perPeer[peer, default: 0] += 1
            return nil
        }
    }

    /// Forgets a connection that `admit` counted.
    public func release(peer: String) {
        counts.withLockedValue { counts in
            counts.total -= 1
            let left = counts.perPeer[peer, default: 1] - 1
            counts.perPeer[peer] = left > 0 ? left : nil
        }
    }

    /// Open connections now.
    public var open: Int {
        counts.withLockedValue { $0.total }
    }
}

/// Lets at most `limit` requests into admission at once, without waiting: a request over the limit is refused.
public final class RequestGate: Sendable {
    private let inside = NIOLockedValueBox(0)
    /// How many may be inside at once.
    public let limit: Int

    /// Creates a gate.
    public init(limit: Int) {
        self.limit = limit
    }

    /// Enters if there is room; the caller must `leave()` once done.
    public func tryEnter() -> Bool {
        inside.withLockedValue { count in
            guard count < limit else { return false }
            count += 1
            return true
        }
    }

    /// Leaves after a successful `tryEnter()`.
    public func leave() {
        inside.withLockedValue { $0 -= 1 }
    }
}
