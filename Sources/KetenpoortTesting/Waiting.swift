import Foundation

/// A condition a test waited for did not come about in time.
public struct WaitTimedOut: Error, CustomStringConvertible {
    /// What was waited for.
    public let what: String
    /// How long.
    public let seconds: Double

    /// "timed out after N s waiting for …".
    public var description: String { "timed out after \(seconds) s waiting for \(what)" }
}

/// Waits until `condition` holds, checking it every few milliseconds; throws ``WaitTimedOut`` after `timeout` seconds.
///
/// For state that announces no events (store rows, log lines). The deadline only bounds a failing test: a passing
/// test never depends on how long anything takes.
public func waitUntil(_ what: String, timeout: Double = 30, _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + .milliseconds(Int64(timeout * 1000))
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(5))
    }
    if try await condition() { return }
    throw WaitTimedOut(what: what, seconds: timeout)
}

/// Waits for `task` to finish; throws ``WaitTimedOut`` (leaving the task running) after `timeout` seconds.
@discardableResult
public func waitForCompletion<T: Sendable, Failure: Error>(of task: Task<T, Failure>, _ what: String, timeout: Double = 30) async throws -> T {
    let done = TaskResultBox<T>()
    let watcher = Task {
        let result = await task.result
        await done.set(result.mapError { $0 as any Error })
    }
    try await waitUntil(what, timeout: timeout) { await done.result != nil }
    watcher.cancel()
    guard let result = await done.result else { throw WaitTimedOut(what: what, seconds: timeout) }
    return try result.get()
}

/// Holds a task's result once it is there.
private actor TaskResultBox<T: Sendable> {
    var result: Result<T, any Error>?

    func set(_ result: Result<T, any Error>) { self.result = result }
}
