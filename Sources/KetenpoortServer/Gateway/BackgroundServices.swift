import Foundation
import KetenpoortStore
import Logging
import ServiceLifecycle

/// Signs the audit tree head at an interval or after a number of records, whichever comes first, and once more when the
/// gateway stops (the start-up head is signed before the service starts; see `AuditStartUp`).
///
/// A checkpoint that cannot be written ends the service with that error (and so stops the gateway).
struct CheckpointService: Service {
    let checkpointer: AuditCheckpointer
    let interval: Duration
    /// Sign a head as soon as this many records follow the last one (nil: by time only).
    var everyRecords: Int64? = nil
    let logger: Logger

    func run() async throws {
        // Graceful shutdown cancels the loop; cancellation ends it as well.
        let checkpointer = checkpointer
        let interval = interval
        let everyRecords = everyRecords
        try await cancelWhenGracefulShutdown {
            try await checkpointer.run(every: interval, everyRecords: everyRecords)
        }
        // In a task of its own: one database write, which must also happen when this task is being cancelled.
        let final = try await Task { try await checkpointer.finalCheckpoint() }.value
        if let final {
            logger.info("audit checkpoint at shutdown", metadata: ["sequence": "\(final.sequence)"])
        }
    }
}

/// Purges payloads past their retention deadline (counted from receipt; audit records stay) every `interval`.
///
/// A purge that fails ends the service with that error (and so stops the gateway), unless the database is only unavailable
/// for now (then it tries again at the next interval); shutdown and cancellation end it quietly.
struct RetentionService: Service {
    let store: any MessageStore
    let interval: Duration
    let logger: Logger

    func run() async throws {
        let store = store
        let interval = interval
        let logger = logger
        try await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await Self.purgeDue(store: store, logger: logger)
                } catch StoreError.unavailable(let reason) {
                    logger.warning("retention purge postponed: the database is unavailable", metadata: ["reason": "\(reason)"])
                }
                do {
                    try await Task.sleep(for: interval)
                } catch is CancellationError {
                    return
                }
            }
        }
    }

    /// Purges every expired payload now, 500 per transaction.
    static func purgeDue(store: any MessageStore, logger: Logger) async throws {
        var purged = 0
        repeat {
            if Task.isCancelled { return }
            purged = try await store.purgeExpiredPayloads(now: Date(), limit: 500)
            if purged > 0 { logger.info("payloads purged", metadata: ["count": "\(purged)"]) }
        } while purged == 500
    }
}

/// Runs a closure as a service (used for the dispatcher's shutdown hooks and tests).
struct ClosureService: Service {
    let body: @Sendable () async throws -> Void

    func run() async throws {
        try await body()
    }
}
