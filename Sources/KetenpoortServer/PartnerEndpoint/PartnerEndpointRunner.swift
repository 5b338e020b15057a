import Logging
import ServiceLifecycle

extension PartnerEndpoint {
    /// Runs the endpoint in a `ServiceGroup` until SIGINT or SIGTERM (graceful shutdown); reports the bound port once listening.
    public func runUntilSignalled(
        logger: Logger, onListening: @escaping @Sendable (_ port: Int) -> Void = { _ in }
    ) async throws {
        let group = ServiceGroup(services: [self], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        let boundPort = self.boundPort
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            tasks.addTask {
                if let port = try? await boundPort.wait(timeout: .seconds(120)) { onListening(port) }
            }
            try await tasks.waitForAll()
        }
    }
}
