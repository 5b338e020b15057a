import NIOCore

/// Limits and timeouts of a mutual-TLS listener, so that no peer can hold more than a bounded share of it.
public struct ConnectionLimits: Codable, Sendable, Hashable {
    /// Seconds from accepting a connection to a completed TLS handshake (default 10).
    public var handshakeTimeoutSeconds: Double?
    /// Seconds from the first byte of a request to its complete head (default 10).
    public var headerTimeoutSeconds: Double?
    /// Seconds from a request's head to the end of its body (default 30).
    public var bodyTimeoutSeconds: Double?
    /// Seconds a kept-alive connection may wait for its next request (default 60).
    public var idleTimeoutSeconds: Double?
    /// Open connections at most, from all peers together (default 512).
    public var maxConnections: Int?
    /// Open connections at most from one peer address (default 32).
    public var maxConnectionsPerPeer: Int?
    /// Requests at most in admission at once; more are answered 503 with Retry-After before their body is read (default 16).
    public var maxConcurrentRequests: Int?

    /// Creates limits; nil takes the default.
    public init(handshakeTimeoutSeconds: Double? = nil, headerTimeoutSeconds: Double? = nil, bodyTimeoutSeconds: Double? = nil,
                idleTimeoutSeconds: Double? = nil, maxConnections: Int? = nil, maxConnectionsPerPeer: Int? = nil,
                maxConcurrentRequests: Int? = nil) {
        self.handshakeTimeoutSeconds = handshakeTimeoutSeconds
        self.headerTimeoutSeconds = headerTimeoutSeconds
        self.bodyTimeoutSeconds = bodyTimeoutSeconds
        self.idleTimeoutSeconds = idleTimeoutSeconds
        self.maxConnections = maxConnections
        self.maxConnectionsPerPeer = maxConnectionsPerPeer
        self.maxConcurrentRequests = maxConcurrentRequests
    }

    /// The defaults.
    public static let standard = ConnectionLimits()

    /// The handshake timeout in force.
    public var handshakeTimeout: TimeAmount { Self.amount(handshakeTimeoutSeconds, default: 10) }
    /// The header timeout in force.
    public var headerTimeout: TimeAmount { Self.amount(headerTimeoutSeconds, default: 10) }
    /// The body timeout in force.
    public var bodyTimeout: TimeAmount { Self.amount(bodyTimeoutSeconds, default: 30) }
    /// The keep-alive idle timeout in force.
    public var idleTimeout: TimeAmount { Self.amount(idleTimeoutSeconds, default: 60) }
    /// The connection limit in force.
    public var effectiveMaxConnections: Int { maxConnections ?? 512 }
    /// The per-peer connection limit in force.
    public var effectiveMaxConnectionsPerPeer: Int { maxConnectionsPerPeer ?? 32 }
    /// The admission concurrency in force.
    public var effectiveMaxConcurrentRequests: Int { maxConcurrentRequests ?? 16 }

    /// Descriptors the process needs at least for these limits (connections plus files, store and outgoing pool).
    public var descriptorsNeeded: Int { effectiveMaxConnections + 256 }

    /// What is wrong with these limits, one line per problem, naming the key under `prefix`.
    public func problems(prefix: String) -> [String] {
        var problems: [String] = []
        let seconds: [(String, Double?)] = [
            ("handshakeTimeoutSeconds", handshakeTimeoutSeconds), ("headerTimeoutSeconds", headerTimeoutSeconds),
            ("bodyTimeoutSeconds", bodyTimeoutSeconds), ("idleTimeoutSeconds", idleTimeoutSeconds),
        ]
        for (key, value) in seconds {
            if let value, !(value > 0 && value <= 3600) {
                problems.append("\(prefix).\(key): must be more than 0 and at most 3600 seconds")
            }
        }
        let counts: [(String, Int?)] = [
            ("maxConnections", maxConnections), ("maxConnectionsPerPeer", maxConnectionsPerPeer),
            ("maxConcurrentRequests", maxConcurrentRequests),
        ]
        for (key, value) in counts {
            if let value, !(1...1_000_000).contains(value) {
                problems.append("\(prefix).\(key): must be between 1 and 1000000")
            }
        }
        if effectiveMaxConnectionsPerPeer > effectiveMaxConnections {
            problems.append("\(prefix).maxConnectionsPerPeer: is more than maxConnections")
        }
        return problems
    }

    private static func amount(_ seconds: Double?, default fallback: Double) -> TimeAmount {
        .nanoseconds(Int64((seconds ?? fallback) * 1_000_000_000))
    }
}
