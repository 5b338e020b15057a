import Foundation

/// Group commit, whatever the database: operations that arrive while a batch is being written wait and are handed to
/// `runBatch` together as the next batch; each caller resumes with its own result once that batch is committed.
///
/// `runBatch` writes one transaction and returns one result per operation (an operation that failed alone is a
/// `.failure`); when it throws, every operation of the batch fails with that error.
package actor GroupCommitQueue<Operation: Sendable> {
    private struct Pending {
        var operation: Operation
        var continuation: CheckedContinuation<any Sendable, any Error>
    }

    private let maximumBatch: Int
    private let runBatch: @Sendable ([Operation]) async throws -> [Result<any Sendable, any Error>]
    private let mapError: @Sendable (any Error) -> any Error
    private var pending: [Pending] = []
    private var draining = false
    private var commits: Int64 = 0
    private var operations: Int64 = 0

    /// A queue writing at most `maximumBatch` operations per transaction with `runBatch`; errors reach callers through
    /// `mapError`.
    package init(maximumBatch: Int, mapError: @escaping @Sendable (any Error) -> any Error,
                 runBatch: @escaping @Sendable ([Operation]) async throws -> [Result<any Sendable, any Error>]) {
        self.maximumBatch = maximumBatch
        self.mapError = mapError
        self.runBatch = runBatch
    }

    /// Runs `operation` in the next batch and returns its result once that batch is committed.
    package nonisolated func submit<T: Sendable>(_ operation: Operation) async throws -> T {
        let value = try await enqueue(operation)
        guard let typed = value as? T else { throw StoreError.database("a batched write returned an unexpected type") }
        return typed
    }

    /// The number of transactions committed and the operations they held.
    package func statistics() -> (commits: Int64, operations: Int64) { (commits, operations) }

    private func enqueue(_ operation: Operation) async throws -> any Sendable {
        try await withCheckedThrowingContinuation { continuation in
            pending.append(Pending(operation: operation, continuation: continuation))
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
            do {
                let results = try await runBatch(batch.map(\.operation))
                commits += 1
                operations += Int64(batch.count)
                for (waiter, result) in zip(batch, results) {
                    waiter.continuation.resume(with: result.mapError(mapError))
                }
            } catch {
                let failure = mapError(error)
                for waiter in batch { waiter.continuation.resume(throwing: failure) }
            }
        }
        draining = false
    }
}
