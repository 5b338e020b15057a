import Hummingbird
import NIOCore
import NIOSSL

/// Request context for mutual-TLS servers: carries the verified client certificate as `peer`.
///
/// `peer` is filled in by `PeerIdentityResponder`, which `makeMutualTLSServer` puts in front of the router,
/// so every route and middleware sees it. It is nil only if the connection has no TLS client certificate.
public struct PeerRequestContext: RequestContext {
    /// Hummingbird's own per-request storage.
    public var coreContext: CoreRequestContextStorage
    /// The connection the request arrived on.
    public let channel: any Channel
    /// The verified client certificate's identity.
    public var peer: PeerIdentity?

    /// Creates the context for a request on `source.channel`.
    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.channel = source.channel
        self.peer = nil
    }

    /// Reads the peer certificate from the channel's TLS handler (one hop to the event loop).
    public func loadPeerIdentity() async -> PeerIdentity? {
        guard let certificate = try? await channel.nioSSL_peerCertificate().get() else { return nil }
        guard let der = try? certificate.toDERBytes() else { return nil }
        return try? PeerIdentityCache.shared.identity(certificateDER: der)
    }
}
