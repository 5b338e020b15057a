import Foundation
import GRDB

/// Batches concurrent accepts into shared write transactions (group commit).
///
/// While one transaction commits, newly arriving accepts wait; when it is done they are all written
/// in the next transaction, so N concurrent callers need far fewer than N commits (and fsyncs).
actor GroupCommitter {
    private struct Pending {
        var item: SealedAccept
        var continuation: CheckedContinuation<AcceptOutcome, any Error>
    }

    private let pool: DatabasePool
    private let maximumBatch: Int
    private var pending: [Pending] = []
    private var draining = false
    private var commits: Int64 = 0
    private var accepted: Int64 = 0

    /// Creates a committer writing to `pool`, at most `maximumBatch` accepts per transaction.
    init(pool: DatabasePool, maximumBatch: Int = 512) {
        self.pool = pool
        self.maximumBatch = maximumBatch
    }

    /// Queues an accept and returns once the transaction holding it has committed durably.
    func submit(_ item: SealedAccept) async throws -> AcceptOutcome {
        try await withCheckedThrowingContinuation { continuation in
            pending.append(Pending(item: item, continuation: continuation))
            if !draining {
                draining = true
                Task { await self.drain() }
            }
        }
    }

    /// The number of accept transactions committed and the number of accept calls they held.
    func statistics() -> (commits: Int64, accepts: Int64) { (commits, accepted) }

    private func drain() async {
        while !pending.isEmpty {
            let batch = Array(pending.prefix(maximumBatch))
            pending.removeFirst(batch.count)
            let items = batch.map(\.item)
            do {
                let results = try await pool.write { db in
                    try AcceptWriter.write(db, items, nowMillis: Date().millis)
                }
                commits += 1
                accepted += Int64(batch.count)
                for (waiter, result) in zip(batch, results) {
                    waiter.continuation.resume(with: result)
                }
            } catch {
                let storeError = StoreError.wrap(error)
                for waiter in batch { waiter.continuation.resume(throwing: storeError) }
            }
        }
        draining = false
    }
}
