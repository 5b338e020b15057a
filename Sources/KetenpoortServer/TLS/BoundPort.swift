/// Where a server learns, after binding, which port it got (tests bind to port 0).
public actor BoundPort {
    /// Why waiting for the port ended without one.
    public enum WaitError: Error, Sendable, CustomStringConvertible {
        /// The server did not report a port in time.
        case timedOut(seconds: Int)
        /// The server stopped before it reported a port.
        case serverStopped

        /// Explanation of the failure.
        public var description: String {
            switch self {
            case .timedOut(let seconds): return "the server did not start listening within \(seconds) s"
            case .serverStopped: return "the server stopped before it was listening"
            }
        }
    }

    private var port: Int?
    private var stopped = false

    /// Creates an empty holder.
    public init() {}

    /// Records the port the server listens on.
    public func resolve(_ port: Int) {
        self.port = port
    }

    /// Records that the server stopped (so waiters give up).
    public func markStopped() {
        stopped = true
    }

    /// The port, if the server is listening already.
    public var current: Int? { port }

    /// Waits until the server listens and returns the port.
    public func wait(timeout: Duration = .seconds(30)) async throws -> Int {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        while true {
            if let port { return port }
            if stopped { throw WaitError.serverStopped }
            guard clock.now < deadline else { throw WaitError.timedOut(seconds: Int(timeout.components.seconds)) }
            try await Task.sleep(for: .milliseconds(10))
        }
    }
}
