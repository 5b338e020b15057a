import Foundation
import KetenpoortStore
import PostgresNIO
import Synchronization

/// Bounds how long a caller waits for the database: past the deadline it gets a store error, whatever the database does.
enum Deadline {
    /// Runs `body`; throws ``StoreError/unavailable(_:)`` when it has not finished within `seconds`.
    ///
    /// The body runs in a task of its own: a statement already sent may still complete after the caller gave up
    /// (an accept then answers 503, and the sender's retry finds the message stored: idempotent).
    static func run<T: Sendable>(
        _ what: String, seconds: TimeInterval, database: String, _ body: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        let outcome = Outcome<T>()
        let work = Task { outcome.finish(await Result { try await body() }) }
        let timer = Task {
            try? await Task.sleep(for: .milliseconds(Int64(seconds * 1000)))
            outcome.finish(.failure(StoreError.unavailable(
                "PostgreSQL at \(database) did not answer within \(seconds) s (\(what)): unavailable or overloaded")))
        }
        let result = await withTaskCancellationHandler {
            await outcome.value()
        } onCancel: {
            outcome.finish(.failure(CancellationError()))
        }
        timer.cancel()
        _ = work
        return try result.mapError(PostgresErrorText.storeError).get()
    }
}

/// The first result delivered wins; later ones are dropped.
private final class Outcome<T: Sendable>: Sendable {
    private let state = Mutex<(result: Result<T, any Error>?, waiter: CheckedContinuation<Result<T, any Error>, Never>?)>((nil, nil))

    func finish(_ result: Result<T, any Error>) {
        let waiter = state.withLock { state -> CheckedContinuation<Result<T, any Error>, Never>? in
            guard state.result == nil else { return nil }
            state.result = result
            let waiter = state.waiter
            state.waiter = nil
            return waiter
        }
        waiter?.resume(returning: result)
    }

    func value() async -> Result<T, any Error> {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state -> Result<T, any Error>? in
                if let result = state.result { return result }
                state.waiter = continuation
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }
}

extension Result where Failure == any Error {
    /// Captures the outcome of an async throwing body.
    init(catching body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}

/// Turns PostgresNIO errors into store errors that say what went wrong without echoing data.
enum PostgresErrorText {
    /// A store error as it is, else ``StoreError/unavailable(_:)`` or ``StoreError/database(_:)`` with the server's message and SQLSTATE, or the client's code.
    static func storeError(_ error: any Error) -> any Error {
        if error is StoreError || error is CancellationError { return error }
        return isUnavailable(error) ? StoreError.unavailable(describe(error)) : StoreError.database(describe(error))
    }

    /// Whether the error means the server cannot be reached now (connection failures, shutdown, failover, read-only
    /// standby), rather than a problem with the statement.
    static func isUnavailable(_ error: any Error) -> Bool {
        if let transaction = error as? PostgresTransactionError {
            return [transaction.closureError, transaction.commitError, transaction.beginError].contains { $0.map(isUnavailable) ?? false }
        }
        guard let psql = error as? PSQLError else { return false }
        if let state = psql.serverInfo?[.sqlState] {
            // 08: connection exception, 57P: operator intervention (shutdown, crash), 53: insufficient resources,
            // 25006: read-only transaction (a standby that is not yet promoted), 40001/40P01: serialization/deadlock.
            return state.hasPrefix("08") || state.hasPrefix("57P") || state.hasPrefix("53") || state == "25006"
                || state == "40001" || state == "40P01"
        }
        return true    // no server answer at all: the connection failed, closed, or the pool is closed
    }

    /// One line: the server's message and SQLSTATE (never its DETAIL, which can hold row values), or the client's code.
    static func describe(_ error: any Error) -> String {
        if let transaction = error as? PostgresTransactionError {
            if let inner = transaction.closureError ?? transaction.commitError ?? transaction.beginError {
                return describe(inner)
            }
        }
        guard let psql = error as? PSQLError else { return String(describing: error) }
        if let message = psql.serverInfo?[.message] {
            let state = psql.serverInfo?[.sqlState].map { " (SQLSTATE \($0))" } ?? ""
            return "PostgreSQL: \(message)\(state)"
        }
        if let underlying = psql.underlying {
            return "PostgreSQL connection: \(psql.code) (\(underlying))"
        }
        return "PostgreSQL connection: \(psql.code)"
    }

    /// The SQLSTATE of a server error, if it is one.
    static func sqlState(_ error: any Error) -> String? {
        if let transaction = error as? PostgresTransactionError, let inner = transaction.closureError ?? transaction.commitError {
            return sqlState(inner)
        }
        return (error as? PSQLError)?.serverInfo?[.sqlState]
    }
}
