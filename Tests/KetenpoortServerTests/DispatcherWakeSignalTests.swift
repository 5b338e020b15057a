import Foundation
import KetenpoortServer
import KetenpoortTesting
import XCTest

/// The dispatcher's wake signal: a wait ends on a wake-up, and on cancellation of the waiting task.
final class DispatcherWakeSignalTests: XCTestCase {
    func testAWaitEndsWhenItsTaskIsCancelled() async throws {
        let signal = WakeSignal()
        let waiting = Task { await signal.wait(timeout: .seconds(3600)) }
        waiting.cancel()
        try await waitForCompletion(of: waiting, "a cancelled wait to return")
    }

    func testAWakeBeforeTheWaitIsRemembered() async throws {
        let signal = WakeSignal()
        await signal.wake()
        let waiting = Task { await signal.wait(timeout: .seconds(3600)) }
        try await waitForCompletion(of: waiting, "a wait after a wake-up to return at once")
    }
}
