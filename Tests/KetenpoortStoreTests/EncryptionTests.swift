import Crypto
import Foundation
import KetenpoortPostgres
import KetenpoortStore
import XCTest

/// Payloads are encrypted at rest: no plaintext of a payload reaches the database's files.
struct EncryptionSuite {
    let fixture: StoreFixture

    func databaseFilesContainNoPayloadMarkers() async throws {
        let store = try await fixture.open()
        var markers: [String] = []
        let idMarker = "ID-MARKER-\(UUID().uuidString)"
        for index in 0..<50 {
            let marker = "MARKER-BSN-\(String(format: "%09d", 123_456_000 + index))-SLACHTOFFER"
            markers.append(marker)
            let body = Data(String(repeating: "<Naam>\(marker)</Naam>", count: 20).utf8)
            _ = try await store.accept(makeMessage(id: "\(idMarker)-\(index)", payload: body), recipients: ["SHN"])
        }
        // Read back while the WAL still holds the pages.
        let payload = try await store.payload(messageId: "\(idMarker)-7")
        XCTAssertEqual(payload.map { String(decoding: $0, as: UTF8.self).contains(markers[7]) }, true)
        var idFound = false
        let files = try await fixture.filesOnDisk()
        XCTAssertFalse(files.isEmpty)
        for path in files {
            guard let bytes = FileManager.default.contents(atPath: path) else { continue }
            XCTAssertFalse(bytes.range(of: Data("MARKER-BSN".utf8)) != nil, "a payload marker found in \(path)")
            idFound = idFound || bytes.range(of: Data(idMarker.utf8)) != nil
        }
        // Message ids are stored in the clear: finding them proves the scan reads the files the data went to.
        XCTAssertTrue(idFound, "the message ids must be found in the database files (\(files.count) scanned)")
        await fixture.close(store)
    }
}

final class EncryptionTests: XCTestCase {
    func testDatabaseFilesContainNoPayloadMarkers() async throws {
        try await EncryptionSuite(fixture: try await .make(.sqlite, for: self)).databaseFilesContainNoPayloadMarkers()
    }

    func testKeyFileIsCreatedOwnerOnly() throws {
        let directory = try makeStateDirectory(self)
        _ = try SQLiteStore.open(stateDirectory: directory)
        let keyDirectory = directory + "/" + SQLiteStore.keyDirectoryName
        let files = try FileManager.default.contentsOfDirectory(atPath: keyDirectory).filter { $0.hasSuffix(".key") }
        XCTAssertEqual(files.count, 1)
        for file in files + ["active"] {
            let attributes = try FileManager.default.attributesOfItem(atPath: keyDirectory + "/" + file)
            XCTAssertEqual((attributes[.posixPermissions] as? NSNumber)?.intValue, 0o600, file)
        }
    }

    func testAKeyReadableByOthersIsRefused() throws {
        let directory = try makeStateDirectory(self)
        _ = try SQLiteStore.open(stateDirectory: directory)
        let keyDirectory = directory + "/" + SQLiteStore.keyDirectoryName
        let file = try XCTUnwrap(try FileManager.default.contentsOfDirectory(atPath: keyDirectory).first { $0.hasSuffix(".key") })
        XCTAssertEqual(chmod(keyDirectory + "/" + file, 0o644), 0)
        XCTAssertThrowsError(try SQLiteStore.open(stateDirectory: directory)) { error in
            guard case StoreError.keyError(let text) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(text.contains("0600"), text)
        }
    }

    func testNewKeyKeepsOldRecordsReadable() async throws {
        let directory = try makeStateDirectory(self)
        let first = try SQLiteStore.open(stateDirectory: directory)
        _ = try await first.accept(makeMessage(id: "K-old"), recipients: ["SHN"])
        let oldKey = try await first.status(messageId: "K-old")?.message.keyId
        try first.close()

        let newKeyId = try PayloadKeyring.addKey(directory: directory + "/" + SQLiteStore.keyDirectoryName)
        XCTAssertNotEqual(newKeyId, oldKey)
        let second = try SQLiteStore.open(stateDirectory: directory)
        _ = try await second.accept(makeMessage(id: "K-new"), recipients: ["SHN"])
        let newStatus = try await second.status(messageId: "K-new")
        XCTAssertEqual(newStatus?.message.keyId, newKeyId)
        let oldPayload = try await second.payload(messageId: "K-old")
        let newPayload = try await second.payload(messageId: "K-new")
        XCTAssertEqual(oldPayload, makeMessage(id: "K-old").payload)
        XCTAssertEqual(newPayload, makeMessage(id: "K-new").payload)
    }

    func testMissingKeyIsAClearError() async throws {
        let directory = try makeStateDirectory(self)
        let store = try SQLiteStore.open(stateDirectory: directory)
        _ = try await store.accept(makeMessage(id: "K-1"), recipients: ["SHN"])
        try store.close()
        let wrongKeys = PayloadKeyring(activeKeyId: "other", keys: ["other": SymmetricKey(size: .bits256)])
        let reopened = try SQLiteStore(databasePath: directory + "/" + SQLiteStore.databaseFileName, keyring: wrongKeys)
        await assertStoreError({ try await reopened.payload(messageId: "K-1") }) { error in
            if case .keyError(let text) = error { return text.contains("K-1") }
            return false
        }
    }
}

final class EncryptionTestsOnPostgres: XCTestCase {
    func testDatabaseFilesContainNoPayloadMarkers() async throws {
        try await EncryptionSuite(fixture: try await .make(.postgres, for: self)).databaseFilesContainNoPayloadMarkers()
    }

    func testAnotherKeyEncryptionKeyIsAClearError() async throws {
        let fixture = try await StoreFixture.make(.postgres, for: self)
        let store = try await fixture.open()
        _ = try await store.accept(makeMessage(id: "K-1"), recipients: ["SHN"])
        var settings = try fixture.postgresSettings()
        let otherKey = try makeStateDirectory(self) + "/other-kek"
        _ = try KeyEncryptionKey.create(file: otherKey)
        settings.keyEncryptionKeyFile = otherKey
        do {
            let wrong = try await PostgresStore.open(settings: settings, access: .readWrite, payloadKeys: true, logger: quietLogger)
            await wrong.shutdown()
            XCTFail("a store whose data keys were wrapped by another key-encryption key must not open with payload keys")
        } catch StoreError.keyError(let text) {
            XCTAssertTrue(text.contains("key-encryption key"), text)
        }
    }

    func testAKeyEncryptionKeyReadableByOthersIsRefused() async throws {
        let fixture = try await StoreFixture.make(.postgres, for: self)
        await fixture.close(try await fixture.open())
        let settings = try fixture.postgresSettings()
        let keyFile = try XCTUnwrap(settings.keyEncryptionKeyFile)
        XCTAssertEqual(chmod(keyFile, 0o644), 0)
        do {
            let store = try await PostgresStore.open(settings: settings, access: .readWrite, payloadKeys: true, logger: quietLogger)
            await store.shutdown()
            XCTFail("a key-encryption key that others may read must be refused")
        } catch StoreError.keyError(let text) {
            XCTAssertTrue(text.contains("0600"), text)
        }
    }
}
