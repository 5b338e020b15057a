import NIOConcurrencyHelpers
import NIOSSL

/// The TLS context a mutual-TLS listener gives each new connection; replacing it changes the certificate that new
/// connections see, while connections already open keep the context they started with.
public final class ServerTLSContext: Sendable {
    private let context: NIOLockedValueBox<NIOSSLContext>

    /// Loads `files` under ``TLSPolicy/server(_:)``; throws `TLSPolicyError` naming the file that fails.
    public convenience init(_ files: TLSFiles) throws {
        self.init(try Self.make(files))
    }

    /// Starts with an already built context.
    public init(_ context: NIOSSLContext) {
        self.context = NIOLockedValueBox(context)
    }

    /// The context for a connection that is being set up now.
    public var current: NIOSSLContext {
        context.withLockedValue { $0 }
    }

    /// Gives every later connection `context`.
    public func replace(with context: NIOSSLContext) {
        self.context.withLockedValue { $0 = context }
    }

    /// A server context for `files` under Ketenpoort's TLS policy; nothing changes until it is passed to `replace`.
    public static func make(_ files: TLSFiles) throws -> NIOSSLContext {
        let configuration = try TLSPolicy.server(files)
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw TLSPolicyError.rejection(of: files, error)
        }
    }
}
