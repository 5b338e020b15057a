import Hummingbird
import HummingbirdTLS
import Logging
import NIOCore

/// The Hummingbird application type `makeMutualTLSServer` returns.
public typealias MutualTLSApplication = Application<PeerIdentityResponder<RouterResponder<PeerRequestContext>>>

/// An HTTP/1.1-over-mutual-TLS application serving `router`; handlers find the client certificate in `context.peer`.
///
/// Pass port 0 for an ephemeral port; `onServerRunning` receives the port actually bound (e.g. `BoundPort.resolve`).
public func makeMutualTLSServer(
    router: Router<PeerRequestContext>,
    host: String,
    port: Int,
    tls: TLSFiles,
    logger: Logger,
    serverName: String? = nil,
    onServerRunning: @escaping @Sendable (_ port: Int) async -> Void = { _ in }
) throws -> MutualTLSApplication {
    let tlsConfiguration = try TLSPolicy.server(tls)
    return Application(
        responder: PeerIdentityResponder(base: router.buildResponder()),
        server: try .tls(.http1(), tlsConfiguration: tlsConfiguration),
        configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: serverName),
        onServerRunning: { channel in
            await onServerRunning(channel.localAddress?.port ?? port)
        },
        logger: logger
    )
}
