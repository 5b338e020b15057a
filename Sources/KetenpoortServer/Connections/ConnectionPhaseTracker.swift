import NIOCore

/// Where a connection is in its life, each phase with its own deadline; confined to the channel's event loop.
final class ConnectionPhaseTracker {
    /// A connection's phase.
    enum Phase: String {
        /// Accepted, TLS handshake not complete.
        case handshake
        /// Between requests (kept alive).
        case idle
        /// The first bytes of a request arrived; its head is not complete.
        case header
        /// The head arrived; the body is not complete.
        case body
        /// The request is complete and being answered (bounded by the admission limit, not by a timer).
        case responding
    }

    private(set) var phase: Phase = .handshake
    private var timer: Scheduled<Void>?
    private let channel: any Channel
    private let limits: ConnectionLimits
    private let observer: ConnectionObserver
    private let peer: String

    init(channel: any Channel, limits: ConnectionLimits, observer: ConnectionObserver, peer: String) {
        self.channel = channel
        self.limits = limits
        self.observer = observer
        self.peer = peer
    }

    /// Moves to `phase` and starts its deadline (cancelling the previous one).
    func enter(_ phase: Phase) {
        timer?.cancel()
        timer = nil
        self.phase = phase
        guard let timeout = timeout(of: phase) else { return }
        let channel = self.channel
        let observer = self.observer
        let peer = self.peer
        timer = channel.eventLoop.scheduleTask(in: timeout) {
            observer.timedOut(peer: peer, phase: phase.rawValue)
            channel.close(promise: nil)
        }
    }

    /// Stops the deadline (the connection closed).
    func stop() {
        timer?.cancel()
        timer = nil
    }

    private func timeout(of phase: Phase) -> TimeAmount? {
        switch phase {
        case .handshake: return limits.handshakeTimeout
        case .idle: return limits.idleTimeout
        case .header: return limits.headerTimeout
        case .body: return limits.bodyTimeout
        case .responding: return nil
        }
    }
}
