import Foundation
import GRDB

/// Batches concurrent write operations (accepts; delivery transitions, leases, events) into shared transactions.
///
/// Each operation runs in its own savepoint, so one that throws (an invalid transition, say) is rolled
/// back alone and reports its error, while the others in the batch commit together with one fsync.
/// Callers resume only after the commit is durable.
final class WriteBatcher: Sendable {
    private let queue: GroupCommitQueue<@Sendable (Database) throws -> any Sendable>

    /// Creates a batcher writing to `pool`, at most `maximumBatch` operations per transaction.
    init(pool: DatabasePool, maximumBatch: Int = 256) {
        queue = GroupCommitQueue(maximumBatch: maximumBatch, mapError: { StoreError.wrap($0) }) { works in
            try await pool.write { db in
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
        }
    }

    /// Runs `work` in the next shared transaction and returns its result once that transaction is durable.
    func submit<T: Sendable>(_ work: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await queue.submit { db in try work(db) }
    }

    /// The number of transactions committed and the operations they held.
    func statistics() async -> (commits: Int64, operations: Int64) { await queue.statistics() }
}
