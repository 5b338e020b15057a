import Hummingbird

/// Puts the TLS peer's identity into the context before any middleware or route runs.
public struct PeerIdentityResponder<Base: HTTPResponder>: HTTPResponder where Base.Context == PeerRequestContext {
    /// The responder that handles the request afterwards (usually a router's).
    public let base: Base

    /// Wraps `base`.
    public init(base: Base) {
        self.base = base
    }

    /// Loads the peer identity, then lets `base` respond.
    @Sendable public func respond(to request: Request, context: PeerRequestContext) async throws -> Response {
        var context = context
        if context.peer == nil {
            context.peer = await context.loadPeerIdentity()
        }
        return try await base.respond(to: request, context: context)
    }
}
