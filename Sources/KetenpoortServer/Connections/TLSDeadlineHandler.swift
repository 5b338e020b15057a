import HummingbirdCore
import NIOHTTPTypes
import NIOCore
import NIOSSL
import NIOTLS

/// Sits right after the TLS handler: times the handshake and the start of each request, and reports refused handshakes.
final class TLSDeadlineHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    /// The connection's phases, shared with `HTTPDeadlineHandler` on the same event loop.
    let tracker: ConnectionPhaseTracker
    private let observer: ConnectionObserver
    private let peer: String

    init(tracker: ConnectionPhaseTracker, observer: ConnectionObserver, peer: String) {
        self.tracker = tracker
        self.observer = observer
        self.peer = peer
    }

    func handlerAdded(context: ChannelHandlerContext) {
        tracker.enter(.handshake)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .handshakeCompleted = event as? TLSUserEvent, tracker.phase == .handshake {
            tracker.enter(.idle)
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if tracker.phase == .idle {
            tracker.enter(.header)
        }
        context.fireChannelRead(data)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if tracker.phase == .handshake {
            observer.handshakeFailed(peer: peer, reason: Self.reason(error))
        }
        context.fireErrorCaught(error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if tracker.phase == .handshake {
            observer.handshakeFailed(peer: peer, reason: "closed-during-handshake")
        }
        tracker.stop()
        context.fireChannelInactive()
    }

    /// A short, content-free reason: the TLS library's error name, never certificate content.
    static func reason(_ error: any Error) -> String {
        if let ssl = error as? NIOSSLError {
            switch ssl {
            case .handshakeFailed(let inner):
                let text = "\(inner)".lowercased()
                for known in ["certificate verify failed", "unknown ca", "certificate expired", "no certificate",
                              "peer did not return a certificate", "wrong version number", "no shared cipher",
                              "unsupported protocol", "http request", "bad certificate", "certificate revoked"]
                where text.contains(known) {
                    return known.replacingOccurrences(of: " ", with: "-")
                }
                return "handshake-failed"
            case .uncleanShutdown: return "unclean-shutdown"
            default: return "tls-error"
            }
        }
        if error is BoringSSLError { return "tls-error" }
        return "connection-error"
    }
}

/// Sits after the HTTP decoder: moves the connection from header to body to responding, and back to idle once answered.
final class HTTPDeadlineHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let tracker: ConnectionPhaseTracker

    init(tracker: ConnectionPhaseTracker) {
        self.tracker = tracker
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head: tracker.enter(.body)
        case .body: break
        case .end: tracker.enter(.responding)
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data), tracker.phase == .responding {
            tracker.enter(.idle)
        }
        context.write(data, promise: promise)
    }
}
