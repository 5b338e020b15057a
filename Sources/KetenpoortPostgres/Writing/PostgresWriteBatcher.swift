import Foundation
import KetenpoortStore
import PostgresNIO

/// One write operation: runs on the batch's connection inside its transaction, appending through the chain writer.
typealias PostgresWrite<T> = @Sendable (PostgresConnection, AuditChainWriter) async throws -> T

/// Batches concurrent writes of one node into shared transactions (group commit), each operation in a savepoint.
///
/// Every batch first locks the audit head row, so write transactions of all nodes are serialised on it: no two
/// can deadlock (each takes the head before any other row), and the audit chain has one order. One operation
/// that throws is rolled back alone; the others commit together. Callers resume once the commit is durable.
final class PostgresWriteBatcher: Sendable {
    private let queue: GroupCommitQueue<PostgresWrite<any Sendable>>

    /// A batcher writing to `database`, at most `maximumBatch` operations per transaction.
    init(database: PostgresDatabase, maximumBatch: Int = 256) {
        queue = GroupCommitQueue(maximumBatch: maximumBatch, mapError: PostgresErrorText.storeError) { works in
            try await database.transaction("write") { connection in try await Self.run(works, on: connection) }
        }
    }

    /// Runs `work` in the next shared transaction and returns its result once that transaction is committed.
    func submit<T: Sendable>(_ work: @escaping PostgresWrite<T>) async throws -> T {
        try await queue.submit { connection, chain in try await work(connection, chain) }
    }

    /// The number of transactions committed and the operations they held.
    func statistics() async -> (commits: Int64, operations: Int64) { await queue.statistics() }

    /// Runs each operation in a savepoint after locking the head; writes the head back at the end.
    private static func run(_ works: [PostgresWrite<any Sendable>], on connection: PostgresConnection) async throws
        -> [Result<any Sendable, any Error>] {
        let chain = try await AuditChainWriter.lockHead(connection)
        var results: [Result<any Sendable, any Error>] = []
        results.reserveCapacity(works.count)
        for work in works {
            let position = chain.position
            if works.count > 1 { try await connection.query("SAVEPOINT op", logger: PostgresDatabase.quiet) }
            do {
                let value = try await work(connection, chain)
                if works.count > 1 { try await connection.query("RELEASE SAVEPOINT op", logger: PostgresDatabase.quiet) }
                results.append(.success(value))
            } catch {
                // A failed statement aborts the transaction up to the savepoint; a lone operation fails the transaction.
                guard works.count > 1 else { throw error }
                try await connection.query("ROLLBACK TO SAVEPOINT op", logger: PostgresDatabase.quiet)
                try await connection.query("RELEASE SAVEPOINT op", logger: PostgresDatabase.quiet)
                chain.restore(position)
                results.append(.failure(error))
            }
        }
        try await chain.saveHead(connection)
        return results
    }
}
