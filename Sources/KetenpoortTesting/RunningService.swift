import Logging
import ServiceLifecycle

/// One service running in its own service group, as the daemon runs it, so tests can shut it down gracefully.
public final class RunningService: Sendable {
    private let group: ServiceGroup
    /// The group's run; it ends when the service has returned.
    public let task: Task<Void, any Error>

    /// Starts `service` in a new group (no signal handlers); cancelling `task` cancels the group and so the service.
    public init(_ service: any Service, logger: Logger) {
        let group = ServiceGroup(configuration: .init(services: [.init(service: service)], logger: logger))
        self.group = group
        task = Task { try await group.run() }
    }

    /// Starts a graceful shutdown, as SIGTERM would.
    public func shutDownGracefully() async {
        await group.triggerGracefulShutdown()
    }
}
