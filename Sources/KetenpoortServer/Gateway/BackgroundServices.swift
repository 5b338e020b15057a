import Foundation
import KetenpoortStore
import Logging
import ServiceLifecycle

/// Signs the audit chain head at an interval, and once more when the gateway stops.
struct CheckpointService: Service {
    let checkpointer: AuditCheckpointer
    let interval: Duration
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            try? await checkpointer.run(every: interval)
        }
        do {
            if let checkpoint = try await checkpointer.finalCheckpoint() {
                logger.info("audit checkpoint at shutdown", metadata: ["sequence": "\(checkpoint.sequence)"])
            }
        } catch {
            logger.error("final audit checkpoint failed", metadata: ["error": "\(error)"])
        }
    }
}

/// Purges payloads past their retention deadline whose deliveries are final (audit records stay).
struct RetentionService: Service {
    let store: any MessageStore
    let interval: Duration
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    var purged = 0
                    repeat {
                        purged = try await store.purgeExpiredPayloads(now: Date(), limit: 500)
                        if purged > 0 { logger.info("payloads purged", metadata: ["count": "\(purged)"]) }
                    } while purged == 500
                } catch {
                    logger.error("retention purge failed", metadata: ["error": "\(error)"])
                }
                try? await Task.sleep(for: interval)
            }
        }
    }
}

/// Runs a closure as a service (used for the dispatcher's shutdown hooks and tests).
struct ClosureService: Service {
    let body: @Sendable () async throws -> Void

    func run() async throws {
        try await body()
    }
}
