import HummingbirdCore
import Logging
import NIOCore
import NIOSSL

/// A TLS child channel that takes its server context from a ``ServerTLSContext`` when each connection is set up,
/// so a reloaded certificate applies to new connections without restarting the listener.
struct ReloadableTLSChannel<BaseChannel: ServerChildChannel>: ServerChildChannel {
    typealias Value = BaseChannel.Value

    let base: BaseChannel
    let context: ServerTLSContext

    /// Adds the TLS handler with the context in force now, then the base channel's handlers.
    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let context = self.context.current
        return channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context))
        }.flatMap {
            self.base.setup(channel: channel, logger: logger)
        }
    }

    /// Hands the connection to the base channel.
    func handle(value: Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}
