import Foundation
import Logging
import ServiceLifecycle

/// One part of the gateway (a listener, the dispatcher, a background loop) stopped the gateway: which, and why.
public struct GatewayPartFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// The part, e.g. `intake listener on 0.0.0.0:8443`.
    public let part: String
    /// What went wrong, e.g. the bind error.
    public let reason: String

    /// Creates a failure report.
    public init(part: String, reason: String) {
        self.part = part
        self.reason = reason
    }

    /// `the intake listener on 0.0.0.0:8443 failed: bind(…): Address already in use (errno: 98)`.
    public var description: String { "the \(part) failed: \(reason)" }
}

/// Runs a part of the gateway and reports, by name, an error it throws or an end it reaches on its own.
struct SupervisedService: Service, CustomStringConvertible {
    let name: String
    let service: any Service

    var description: String { name }

    func run() async throws {
        do {
            try await service.run()
        } catch is CancellationError where Task.isCancelled || Task.isShuttingDownGracefully {
            return
        } catch {
            throw GatewayPartFailure(part: name, reason: "\(error)")
        }
        if !Task.isShuttingDownGracefully && !Task.isCancelled {
            throw GatewayPartFailure(part: name, reason: "it stopped on its own")
        }
    }
}

/// How the gateway's parts run together: any failure, or any part ending early, shuts the whole gateway down in
/// bounded time, so the process exits (non-zero) and systemd restarts it instead of leaving it half alive.
enum GatewayLifecycle {
    /// Cancellation after the graceful shutdown timed out may take this long; then the process aborts.
    static let maximumCancellation: Duration = .seconds(10)

    /// A service group of `parts` (started in order, shut down in reverse), each supervised under its name.
    static func groupConfiguration(parts: [(name: String, service: any Service)], gracefulShutdown: Duration,
                                   handleSignals: Bool, logger: Logger) -> ServiceGroupConfiguration {
        var configuration = ServiceGroupConfiguration(
            services: parts.map { part in
                ServiceGroupConfiguration.ServiceConfiguration(
                    service: SupervisedService(name: part.name, service: part.service),
                    successTerminationBehavior: .gracefullyShutdownGroup,
                    failureTerminationBehavior: .gracefullyShutdownGroup)
            },
            gracefulShutdownSignals: handleSignals ? [.sigterm, .sigint] : [],
            logger: logger)
        configuration.maximumGracefulShutdownDuration = gracefulShutdown
        configuration.maximumCancellationDuration = maximumCancellation
        return configuration
    }

    /// The error a stopped gateway reports: the first part that failed, or the group's own error described as one.
    static func failure(_ error: any Error) -> GatewayPartFailure {
        if let failure = error as? GatewayPartFailure { return failure }
        if let groupError = error as? ServiceGroupError {
            return GatewayPartFailure(part: "service group", reason: "\(groupError)")
        }
        return GatewayPartFailure(part: "gateway", reason: "\(error)")
    }
}
