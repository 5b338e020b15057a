import Foundation
import KetenpoortPostgres
import KetenpoortStore
import KetenpoortTesting
import Logging
import XCTest

/// Payload data keys shared through PostgreSQL: a node opens payloads sealed with a data key another node added later.
final class SharedPayloadKeysTests: XCTestCase {
    func testANodeOpensAPayloadSealedWithADataKeyAddedAfterItStarted() async throws {
        let database = try await PostgresTestDatabase.create()
        addTeardownBlock { try? await database.drop() }
        let logger = Logger(label: "test")
        let nodeA = try await PostgresStore.open(settings: database.settings, access: .migrate, payloadKeys: true, logger: logger)
        // An operator rotates: same KEK, a new active data key. Node B starts afterwards and seals with the new key.
        let kek = try KeyEncryptionKey.read(file: try XCTUnwrap(database.settings.keyEncryptionKeyFile))
        _ = try await nodeA.rotateKeyEncryptionKey(from: kek, to: kek, newDataKey: true)
        let nodeB = try await PostgresStore.open(settings: database.settings, access: .readWrite, payloadKeys: true, logger: logger)
        let message = makeMessage(id: "after-rotation")
        _ = try await nodeB.accept(message, recipients: ["shn"])

        let leased = try await nodeA.leaseEveryPartner(owner: "node-a", perPartner: 1, leaseDuration: 30, now: testEpoch)
        XCTAssertEqual(leased.first?.content, .available(message.payload))
        let read = try await nodeA.payload(messageId: "after-rotation")
        XCTAssertEqual(read, message.payload)
        await nodeA.shutdown()
        await nodeB.shutdown()
    }

    func testAWrongKeyEncryptionKeyIsRefusedAtOpenNamingTheKey() async throws {
        let database = try await PostgresTestDatabase.create()
        addTeardownBlock { try? await database.drop() }
        let logger = Logger(label: "test")
        let first = try await PostgresStore.open(settings: database.settings, access: .migrate, payloadKeys: true, logger: logger)
        await first.shutdown()
        let other = NSTemporaryDirectory() + "kp-other-kek-" + UUID().uuidString
        addTeardownBlock { try? FileManager.default.removeItem(atPath: other) }
        _ = try KeyEncryptionKey.create(file: other)
        var settings = database.settings
        settings.keyEncryptionKeyFile = other
        await assertStoreError({ try await PostgresStore.open(settings: settings, access: .readWrite, payloadKeys: true, logger: logger) }) {
            if case .keyError(let text) = $0 { return text.contains("cannot be unwrapped") }
            return false
        }
    }
}
