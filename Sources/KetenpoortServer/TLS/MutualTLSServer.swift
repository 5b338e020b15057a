import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore

/// The Hummingbird application type `makeMutualTLSServer` returns.
public typealias MutualTLSApplication = Application<PeerIdentityResponder<RouterResponder<PeerRequestContext>>>

/// An HTTP/1.1-over-mutual-TLS application serving `router`; handlers find the client certificate in `context.peer`.
///
/// Connections are admitted within `limits` (total and per peer address) and closed when their handshake, header,
/// body or idle deadline passes; `observer` logs and counts what is refused. Pass port 0 for an ephemeral port;
/// `onServerRunning` receives the port actually bound (e.g. `BoundPort.resolve`). With `tlsContext` the listener takes
/// each new connection's certificate from it (replace it to rotate the certificate); otherwise `tls` is loaded once.
public func makeMutualTLSServer(
    router: Router<PeerRequestContext>,
    host: String,
    port: Int,
    tls: TLSFiles,
    logger: Logger,
    serverName: String? = nil,
    limits: ConnectionLimits = .standard,
    observer: ConnectionObserver? = nil,
    tlsContext: ServerTLSContext? = nil,
    onServerRunning: @escaping @Sendable (_ port: Int) async -> Void = { _ in }
) throws -> MutualTLSApplication {
    let tlsContext = try tlsContext ?? ServerTLSContext(tls)
    let counter = ConnectionCounter(maxTotal: limits.effectiveMaxConnections, maxPerPeer: limits.effectiveMaxConnectionsPerPeer)
    let observer = observer ?? ConnectionObserver(listener: serverName ?? "mutual-tls", logger: logger, metrics: nil)
    let server = HTTPServerBuilder { responder in
        var http = HTTP1Channel.Configuration()
        http.httpDecoder = .init(maxHeaderFieldSize: 8 * 1024, maxHeaderListSize: 16 * 1024, maxHeaderFieldCount: 64)
        let base = ReloadableTLSChannel(base: HTTP1Channel(responder: responder, configuration: http), context: tlsContext)
        return GuardedChannel(base: base, limits: limits, counter: counter, observer: observer)
    }
    return Application(
        responder: PeerIdentityResponder(base: router.buildResponder()),
        server: server,
        configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: serverName),
        onServerRunning: { channel in
            await onServerRunning(channel.localAddress?.port ?? port)
        },
        logger: logger
    )
}
