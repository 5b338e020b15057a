import Foundation
import ServiceLifecycle

/// Reloads the configuration on every SIGHUP until the gateway shuts down; hang-ups that arrive during a reload
/// collapse into one more reload after it.
struct HangUpReloadService: Service {
    let reload: @Sendable () async -> Void

    /// Ignores SIGHUP's default action (ending the process) and reloads on each one instead.
    func run() async throws {
        signal(SIGHUP, SIG_IGN)
        let (hangUps, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let source = DispatchSource.makeSignalSource(signal: SIGHUP, queue: DispatchQueue(label: "ketenpoort.sighup"))
        source.setEventHandler { continuation.yield() }
        source.resume()
        defer {
            source.cancel()
            continuation.finish()
        }
        let reload = reload
        await cancelWhenGracefulShutdown {
            for await _ in hangUps {
                await reload()
            }
        }
    }
}
