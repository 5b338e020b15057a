import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import NIOSSL

/// A TLS + HTTP/1.1 child channel that admits a connection only within the connection limits and closes it
/// when a handshake, header, body or idle deadline passes.
struct GuardedChannel: ServerChildChannel {
    typealias Value = HTTP1Channel.Value

    let base: ReloadableTLSChannel<HTTP1Channel>
    let limits: ConnectionLimits
    let counter: ConnectionCounter
    let observer: ConnectionObserver

    /// Refuses the connection when a limit is reached; otherwise sets up TLS and HTTP with the deadline handlers.
    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let peer = channel.remoteAddress?.ipAddress ?? "unknown"
        if let refusal = counter.admit(peer: peer) {
            observer.refused(peer: peer, reason: refusal.rawValue)
            channel.close(promise: nil)
            return channel.eventLoop.makeFailedFuture(ConnectionRefusedError(reason: refusal))
        }
        let counter = self.counter
        channel.closeFuture.whenComplete { _ in counter.release(peer: peer) }
        let limits = self.limits
        let observer = self.observer
        return base.setup(channel: channel, logger: logger).flatMapThrowing { value in
            let tracker = ConnectionPhaseTracker(channel: channel, limits: limits, observer: observer, peer: peer)
            let operations = channel.pipeline.syncOperations
            let tls = try operations.handler(type: NIOSSLServerHandler.self)
            try operations.addHandler(TLSDeadlineHandler(tracker: tracker, observer: observer, peer: peer), position: .after(tls))
            let state = try operations.handler(type: HTTPConnectionStateHandler.self)
            try operations.addHandler(HTTPDeadlineHandler(tracker: tracker), position: .before(state))
            return value
        }
    }

    /// Hands the connection to Hummingbird.
    func handle(value: Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}

/// A connection closed at once because a connection limit was reached.
struct ConnectionRefusedError: Error {
    let reason: ConnectionCounter.Refusal
}
