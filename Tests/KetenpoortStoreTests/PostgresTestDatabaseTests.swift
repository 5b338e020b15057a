import Foundation
import KetenpoortPostgres
import KetenpoortStore
import KetenpoortTesting
import Logging
import XCTest

/// The test PostgreSQL: a missing cluster fails loudly, databases are made over TLS and dropped, the server restarts.
final class PostgresTestDatabaseTests: XCTestCase {
    func testMissingEnvironmentFailsWithWhatToRun() throws {
        XCTAssertThrowsError(try PostgresTestCluster.fromEnvironment(["KETENPOORT_TEST_POSTGRES_HOST": "127.0.0.1"])) { error in
            let text = "\(error)"
            XCTAssertTrue(text.hasPrefix("no test PostgreSQL: run the tests through scripts/test, or "), text)
            XCTAssertTrue(text.contains("scripts/postgres-test-cluster start"), text)
            XCTAssertTrue(text.contains("KETENPOORT_TEST_POSTGRES_PORT"), text)
            XCTAssertFalse(text.contains("KETENPOORT_TEST_POSTGRES_HOST"), "a variable that is set is not named: \(text)")
        }
    }

    func testCreateMakesATLSDatabaseWithAKeyFileAndDropRemovesBoth() async throws {
        let database = try await PostgresTestDatabase.create()
        let settings = database.settings
        XCTAssertTrue(settings.database.hasPrefix("kp_test_"), settings.database)
        XCTAssertEqual(settings.tlsMode, .verifyFull)
        XCTAssertNotNil(settings.caFile)
        let keyFile = try XCTUnwrap(settings.keyEncryptionKeyFile)
        let mode = try XCTUnwrap(try FileManager.default.attributesOfItem(atPath: keyFile)[.posixPermissions] as? NSNumber)
        XCTAssertEqual(mode.intValue, 0o600)
        _ = try KeyEncryptionKey.read(file: keyFile)

        let store = try await PostgresStore.open(settings: settings, access: .migrate, payloadKeys: true,
                                                 logger: quietLogger)
        _ = try await store.accept(makeMessage(id: "T-1"), recipients: ["SHN"])
        let payload = try await store.payload(messageId: "T-1")
        XCTAssertEqual(payload, makeMessage(id: "T-1").payload)
        await store.shutdown()
        do {
            try await database.cluster.administer("CREATE DATABASE \(settings.database)")
            XCTFail("the database must exist before drop")
        } catch {}

        try await database.drop()
        XCTAssertFalse(FileManager.default.fileExists(atPath: keyFile))
        do {
            try await database.cluster.administer("DROP DATABASE \(settings.database)")
            XCTFail("drop must have removed the database")
        } catch {}
    }

    func testAServerCertificateFromAnotherCAIsRefused() async throws {
        let database = try await PostgresTestDatabase.create()
        addTeardownBlock { try? await database.drop() }
        // The system's trust store does not hold the cluster's private CA: verify-full must refuse the server.
        var settings = database.settings
        settings.caFile = nil
        settings.operationTimeout = 5
        do {
            let store = try await PostgresStore.open(settings: settings, access: .migrate, payloadKeys: true,
                                                     logger: quietLogger)
            await store.shutdown()
            XCTFail("a server certificate that does not chain to a trusted CA must be refused")
        } catch {
            XCTAssertFalse("\(error)".isEmpty)
        }
    }

    func testRestartServerKeepsTheData() async throws {
        let database = try await PostgresTestDatabase.create()
        addTeardownBlock { try? await database.drop() }
        try await database.restartServer()
        let store = try await PostgresStore.open(settings: database.settings, access: .migrate, payloadKeys: true,
                                                 logger: quietLogger)
        _ = try await store.accept(makeMessage(id: "R-1"), recipients: ["SHN"])
        await store.shutdown()
        try await database.restartServer(secondsDown: 0.2)
        let reopened = try await PostgresStore.open(settings: database.settings, access: .readWrite, payloadKeys: true,
                                                    logger: quietLogger)
        let payload = try await reopened.payload(messageId: "R-1")
        await reopened.shutdown()
        XCTAssertEqual(payload, makeMessage(id: "R-1").payload)
    }
}
