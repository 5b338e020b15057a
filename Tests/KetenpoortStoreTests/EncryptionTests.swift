import Crypto
import Foundation
import KetenpoortStore
import XCTest

final class EncryptionTests: XCTestCase {
    func testDatabaseFilesContainNoPayloadMarkers() async throws {
        let directory = try makeStateDirectory(self)
        let store = try SQLiteStore.open(stateDirectory: directory)
        var markers: [String] = []
        for index in 0..<50 {
            let marker = "MARKER-BSN-\(String(format: "%09d", 123_456_000 + index))-SLACHTOFFER"
            markers.append(marker)
            let body = Data(String(repeating: "<Naam>\(marker)</Naam>", count: 20).utf8)
            _ = try await store.accept(makeMessage(id: "E-\(index)", payload: body), recipients: ["SHN"])
        }
        // Read back while the WAL still holds the pages.
        let payload = try await store.payload(messageId: "E-7")
        XCTAssertEqual(payload.map { String(decoding: $0, as: UTF8.self).contains(markers[7]) }, true)
        var checkedFiles = 0
        for suffix in ["", "-wal", "-shm"] {
            let path = directory + "/" + SQLiteStore.databaseFileName + suffix
            guard let bytes = FileManager.default.contents(atPath: path) else { continue }
            checkedFiles += 1
            for marker in markers {
                XCTAssertNil(bytes.range(of: Data(marker.utf8)), "\(marker) found in \(path)")
            }
            XCTAssertNil(bytes.range(of: Data("MARKER-BSN".utf8)), "a marker prefix found in \(path)")
        }
        XCTAssertGreaterThanOrEqual(checkedFiles, 2, "the main file and the WAL must exist and be checked")
        try store.close()
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
