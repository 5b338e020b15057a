import Foundation
import GRDB

/// Batches concurrent write operations (accepts; delivery transitions, leases, events) into shared transactions.
///
/// Each operation runs in its own savepoint, so one that throws (an invalid transition, say) is rolled
/// back alone and reports its error, while the others in the batch commit together with one fsync.
/// Callers resume only after the commit is durable.
actor WriteBatcher {
    private struct Pending {
        var work: @Sendable (Database) throws -> any Sendable
        var continuation: CheckedContinuation<any Sendable, any Error>
    }

    private let pool: DatabasePool
    private let maximumBatch: Int
    private var pending: [Pending] = []
    private var draining = false
    private var commits: Int64 = 0
    private var operations: Int64 = 0

    /// Creates a batcher writing to `pool`, at most `maximumBatch` operations per transaction.
    init(pool: DatabasePool, maximumBatch: Int = 256) {
        self.pool = pool
        self.maximumBatch = maximumBatch
    }

    /// Runs `work` in the next shared transaction and returns its result once that transaction is durable.
    nonisolated func submit<T: Sendable>(_ work: @escaping @Sendable (Database) throws -> T) async throws -> T {
        let value = try await enqueue { db in try work(db) }
        guard let typed = value as? T else { throw StoreError.database("a batched write returned an unexpected type") }
        return typed
    }

    /// The number of transactions committed and the operations they held.
    func statistics() -> (commits: Int64, operations: Int64) { (commits, operations) }

    private func enqueue(_ work: @escaping @Sendable (Database) throws -> any Sendable) async throws -> any Sendable {
        try await withCheckedThrowingContinuation { continuation in
            pending.append(Pending(work: work, continuation: continuation))
            if !draining {
                draining = true
                Task { await self.drain() }
            }
        }
    }

    private func drain() async {
        while !pending.isEmpty {
            let batch = Array(pending.prefix(maximumBatch))
            pending.removeFirst(batch.count)
            let works = batch.map(\.work)
            do {
                let results = try await pool.write { db in
                    works.map { work -> Result<any Sendable, any Error> in
                        var output: (any Sendable)?
                        do {
                            try db.inSavepoint {
                                output = try work(db)
                                return .commit
                            }
                        } catch {
                            return .failure(error)
                        }
                        guard let output else { return .failure(StoreError.database("a batched write produced no result")) }
                        return .success(output)
                    }
                }
                commits += 1
                operations += Int64(batch.count)
                for (waiter, result) in zip(batch, results) {
                    waiter.continuation.resume(with: result.mapError { StoreError.wrap($0) })
                }
            } catch {
                let storeError = StoreError.wrap(error)
                for waiter in batch { waiter.continuation.resume(throwing: storeError) }
            }
        }
        draining = false
    }
}
