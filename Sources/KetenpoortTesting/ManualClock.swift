import Foundation
import KetenpoortServer

/// A wall clock that moves only when a test moves it.
public final class ManualClock: WallClock, @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date

    /// Creates a clock standing at `start` (by default 2027-01-15, a fixed day for reproducible tests).
    public init(start: Date = Date(timeIntervalSince1970: 1_800_000_000)) {
        current = start
    }

    /// The time the clock stands at.
    public func now() -> Date {
        lock.withLock { current }
    }

    /// Moves the clock forward by `seconds`.
    public func advance(by seconds: TimeInterval) {
        lock.withLock { current = current.addingTimeInterval(seconds) }
    }
}
