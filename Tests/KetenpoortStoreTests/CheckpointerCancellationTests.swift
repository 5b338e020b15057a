import Crypto
import Foundation
import KetenpoortStore
import XCTest

/// The checkpoint loop ends when its task is cancelled, and a checkpoint that fails is thrown, not swallowed.
final class CheckpointerCancellationTests: XCTestCase {
    func testCancellationEndsTheLoopAtOnce() async throws {
        let store = try SQLiteStore.open(stateDirectory: try makeStateDirectory(self))
        let checkpointer = AuditCheckpointer(store: store, signer: SoftwareCheckpointSigner(p256: P256.Signing.PrivateKey()))
        let loop = Task { try await checkpointer.run(every: .seconds(3600)) }
        let started = ContinuousClock.now
        loop.cancel()
        try await loop.value
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(5))
    }

    func testAFailingCheckpointIsThrown() async throws {
        let directory = try makeStateDirectory(self)
        let store = try SQLiteStore.open(stateDirectory: directory)
        _ = try await store.accept(makeMessage(id: "C-1"), recipients: ["SHN"])
        try store.close()
        let closed = store
        let checkpointer = AuditCheckpointer(store: closed, signer: SoftwareCheckpointSigner(p256: P256.Signing.PrivateKey()))
        do {
            try await checkpointer.run(every: .milliseconds(10))
            XCTFail("the loop ended without an error although its store is closed")
        } catch {
            XCTAssertTrue(error is StoreError, "\(error)")
        }
    }
}
