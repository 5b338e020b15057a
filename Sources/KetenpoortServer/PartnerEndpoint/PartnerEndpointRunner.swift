import Logging
import ServiceLifecycle

extension PartnerEndpoint {
    /// Runs the endpoint in a `ServiceGroup` until SIGINT or SIGTERM (graceful shutdown); reports the bound port once listening.
    public func runUntilSignalled(
        logger: Logger, onListening: @escaping @Sendable (_ port: Int) -> Void = { _ in }
    ) async throws {
        try await runListenerUntilSignalled(self, boundPort: boundPort, logger: logger, onListening: onListening)
    }
}

/// Runs a listening service in its own `ServiceGroup` until SIGINT or SIGTERM, and reports its port once it is bound.
///
/// Cancelling the caller's task cancels both child tasks: the group cancels the service, and the port wait ends.
func runListenerUntilSignalled(_ service: some Service, boundPort: BoundPort, logger: Logger,
                               onListening: @escaping @Sendable (_ port: Int) -> Void) async throws {
    let group = ServiceGroup(services: [service], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
    try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        tasks.addTask {
            if let port = try? await boundPort.wait(timeout: .seconds(120)) { onListening(port) }
        }
        try await tasks.waitForAll()
    }
}
