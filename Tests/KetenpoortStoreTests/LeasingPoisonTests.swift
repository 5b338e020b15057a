import Crypto
import Foundation
import KetenpoortStore
import XCTest

/// A payload that cannot be decrypted concerns its own delivery only: the rest of the leased batch comes back.
struct LeasingPoisonSuite {
    let fixture: StoreFixture

    init(fixture: StoreFixture) { self.fixture = fixture }

    func anUndecryptablePayloadComesBackUnreadableAndTheBatchIsLeased() async throws {
        let store = try await fixture.open()
        _ = try await store.accept(makeMessage(id: "P-old"), recipients: ["SHN"])
        _ = try await store.accept(makeMessage(id: "P-new-1", received: testEpoch.addingTimeInterval(1)), recipients: ["SHN"])
        _ = try await store.accept(makeMessage(id: "P-new-2", received: testEpoch.addingTimeInterval(2)), recipients: ["SHN"])
        // P-old's sealed payload replaced by another message's: it is bound to that message, so it no longer decrypts.
        try await fixture.tamper("UPDATE messages SET payload = (SELECT payload FROM messages WHERE id = 'P-new-2') WHERE id = 'P-old'")
        let leased = try await store.lease(owner: "host/1/0000beef", freeSlots: ["SHN": 10], leaseDuration: 30,
                                           now: testEpoch.addingTimeInterval(10))
        XCTAssertEqual(leased.map(\.delivery.messageId), ["P-old", "P-new-1", "P-new-2"])
        guard let first = leased.first, case .unreadable(let reason) = first.content else {
            return XCTFail("the moved payload must be unreadable, got \(leased.first.map { "\($0.content)" } ?? "nothing")")
        }
        XCTAssertTrue(reason.contains("does not decrypt"), reason)
        XCTAssertFalse(reason.contains("<Zorgmelding"), "the reason must not echo payload content: \(reason)")
        XCTAssertNil(first.payload)
        XCTAssertEqual(leased[1].payload, makeMessage(id: "P-new-1").payload)
        XCTAssertEqual(leased[2].payload, makeMessage(id: "P-new-2").payload)
        _ = try await store.fail(first.delivery.id, owner: "host/1/0000beef", token: first.token, errorClass: .payloadUnreadable,
                                 errorText: reason, now: testEpoch.addingTimeInterval(10))
        let last = try await store.auditTrail(messageId: "P-old").last
        XCTAssertEqual(last?.detail.contains("error=payload-unreadable"), true, last?.detail ?? "")
    }

    func aStoreWithoutPayloadKeysRefusesToLeaseAndLeasesNothing() async throws {
        let store = try await fixture.open()
        _ = try await store.accept(makeMessage(id: "K-1"), recipients: ["SHN"])
        let keyless = try await fixture.open(access: .readWrite, payloadKeys: false)
        await assertStoreError({ try await keyless.lease(owner: "host/1/0000beef", freeSlots: ["SHN": 1], leaseDuration: 30, now: testEpoch) }) {
            if case .keyError = $0 { return true }
            return false
        }
        let queued = try await store.listDeliveries(DeliveryFilter(state: .queued), after: nil, limit: 10)
        XCTAssertEqual(queued.count, 1, "a refused lease must not leave deliveries leased")
    }
}

final class LeasingPoisonTests: XCTestCase {
    private func suite() async throws -> LeasingPoisonSuite { LeasingPoisonSuite(fixture: try await .make(.sqlite, for: self)) }

    func testAnUndecryptablePayloadComesBackUnreadableAndTheBatchIsLeased() async throws {
        try await suite().anUndecryptablePayloadComesBackUnreadableAndTheBatchIsLeased()
    }
    func testAStoreWithoutPayloadKeysRefusesToLeaseAndLeasesNothing() async throws {
        try await suite().aStoreWithoutPayloadKeysRefusesToLeaseAndLeasesNothing()
    }

    func testAPayloadSealedWithAReplacedKeyComesBackUnreadable() async throws {
        let directory = try makeStateDirectory(self)
        let path = directory + "/" + SQLiteStore.databaseFileName
        let oldKey = SymmetricKey(size: .bits256)
        let newKey = SymmetricKey(size: .bits256)
        let first = try SQLiteStore(databasePath: path, keyring: PayloadKeyring(activeKeyId: "k1", keys: ["k1": oldKey]))
        _ = try await first.accept(makeMessage(id: "P-old"), recipients: ["SHN"])
        try first.close()
        let second = try SQLiteStore(databasePath: path, keyring: PayloadKeyring(activeKeyId: "k2", keys: ["k1": oldKey, "k2": newKey]))
        _ = try await second.accept(makeMessage(id: "P-new-1", received: testEpoch.addingTimeInterval(1)), recipients: ["SHN"])
        _ = try await second.accept(makeMessage(id: "P-new-2", received: testEpoch.addingTimeInterval(2)), recipients: ["SHN"])
        try second.close()
        // Key k1 replaced by a wrong key: the oldest payload no longer decrypts.
        let store = try SQLiteStore(databasePath: path, keyring: PayloadKeyring(
            activeKeyId: "k2", keys: ["k1": SymmetricKey(size: .bits256), "k2": newKey]))
        let leased = try await store.lease(owner: "host/1/0000beef", freeSlots: ["SHN": 10], leaseDuration: 30,
                                           now: testEpoch.addingTimeInterval(10))
        XCTAssertEqual(leased.map(\.delivery.messageId), ["P-old", "P-new-1", "P-new-2"])
        guard case .unreadable(let reason) = leased[0].content else {
            return XCTFail("the payload sealed with the replaced key must be unreadable, got \(leased[0].content)")
        }
        XCTAssertTrue(reason.contains("does not decrypt"), reason)
        XCTAssertNil(leased[0].payload)
        XCTAssertEqual(leased[1].payload, makeMessage(id: "P-new-1").payload)
        XCTAssertEqual(leased[2].payload, makeMessage(id: "P-new-2").payload)
        _ = try await store.fail(leased[0].delivery.id, owner: "host/1/0000beef", token: leased[0].token, errorClass: .payloadUnreadable,
                                 errorText: reason, now: testEpoch.addingTimeInterval(10))
        let last = try await store.auditTrail(messageId: "P-old").last
        XCTAssertEqual(last?.detail.contains("error=payload-unreadable"), true, last?.detail ?? "")
    }
}

final class LeasingPoisonTestsOnPostgres: XCTestCase {
    private func suite() async throws -> LeasingPoisonSuite { LeasingPoisonSuite(fixture: try await .make(.postgres, for: self)) }

    func testAnUndecryptablePayloadComesBackUnreadableAndTheBatchIsLeased() async throws {
        try await suite().anUndecryptablePayloadComesBackUnreadableAndTheBatchIsLeased()
    }
    func testAStoreWithoutPayloadKeysRefusesToLeaseAndLeasesNothing() async throws {
        try await suite().aStoreWithoutPayloadKeysRefusesToLeaseAndLeasesNothing()
    }
}

/// Lowercase hex of SHA-256, as audit records write receipt digests.
func sha256Hex(_ data: Data) -> String {
    SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
}
