import Foundation
import KetenpoortPKI
import KetenpoortPostgres
import KetenpoortServer
import XCTest

/// The `store:` section: SQLite by default, PostgreSQL with its connection settings, and the static checks of both.
final class StoreConfigurationTests: XCTestCase {
    private let examples = GatewayExamples.repository.appendingPathComponent("Examples/config")

    /// A fresh directory that is removed after the test.
    private func temporaryDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kp-store-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: directory) }
        return directory
    }

    /// Writes `text` to `name` in `directory` with `mode`; returns its path.
    @discardableResult
    private func write(_ text: String, _ name: String, in directory: URL, mode: Int = 0o600) throws -> String {
        let path = directory.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
        return path
    }

    /// The example gateway configuration with `store` appended, decoded with relative paths taken from `base`.
    private func configuration(store: String, base: URL) throws -> GatewayConfiguration {
        let yaml = try String(contentsOf: examples.appendingPathComponent("gateway.yaml"), encoding: .utf8) + "\n" + store
        return try ConfigurationLoader.decode(yaml, baseDirectory: base)
    }

    /// A base directory holding a private password file, a valid KEK file and the development CA as `ca.pem`.
    private func secrets() throws -> URL {
        let directory = try temporaryDirectory()
        try write("not-a-real-password\n", "password", in: directory)
        try write(Data((0..<32).map { UInt8($0) }).base64EncodedString() + "\n", "kek", in: directory)
        let pki = try GatewayTestPKI.get()
        try FileManager.default.copyItem(atPath: pki.path(DevelopmentPKI.caCertificateFile), toPath: directory.appendingPathComponent("ca.pem").path)
        return directory
    }

    /// The store problems of a postgres section with the files of `secrets()` and `extra` lines added.
    private func storeProblems(_ lines: [String], base: URL) throws -> [String] {
        let section = (["store:", "  kind: postgres"] + lines).joined(separator: "\n") + "\n"
        return ConfigurationCheck.storeFindings(try configuration(store: section, base: base)).problems.map(\.description)
    }

    private let complete = ["  host: db.ketenpoort.example", "  database: ketenpoort", "  user: gateway", "  passwordFile: password",
                            "  keyEncryptionKeyFile: kek", "  tls:", "    ca: ca.pem"]

    // MARK: item 1: the section and PostgresSettings

    func testWithoutAStoreSectionTheStoreIsSQLiteInTheStateDirectory() throws {
        let configuration = try ConfigurationLoader.load(file: examples.appendingPathComponent("gateway.yaml").path)
        XCTAssertEqual(configuration.storeKind, .sqlite)
        XCTAssertNil(configuration.postgresSettings)
        XCTAssertTrue(ConfigurationCheck.storeFindings(configuration).problems.isEmpty)
    }

    func testExplicitSQLiteKindHasNoPostgresSettings() throws {
        let configuration = try configuration(store: "store:\n  kind: sqlite\n", base: try temporaryDirectory())
        XCTAssertEqual(configuration.storeKind, .sqlite)
        XCTAssertNil(configuration.postgresSettings)
        XCTAssertTrue(ConfigurationCheck.storeFindings(configuration).problems.isEmpty)
    }

    func testEveryPostgresKeyReachesThePostgresSettingsWithPathsResolvedAgainstTheFile() throws {
        let base = try temporaryDirectory()
        let section = """
            store:
              kind: postgres
              host: db.ketenpoort.example
              port: 6543
              database: ketenpoort
              user: gateway
              passwordFile: secrets/password
              tls:
                mode: verify-ca
                ca: secrets/ca.pem
                certificate: secrets/client.pem
                key: /etc/ketenpoort/client-key.pem
              keyEncryptionKeyFile: secrets/kek
              maxConnections: 12
              operationTimeoutSeconds: 2.5
              nodeDeadAfterSeconds: 9
              heartbeatSeconds: 1.5

            """
        let settings = try XCTUnwrap(try configuration(store: section, base: base).postgresSettings)
        let secrets = base.appendingPathComponent("secrets").path
        XCTAssertEqual(settings, PostgresSettings(
            host: "db.ketenpoort.example", port: 6543, socketPath: nil, database: "ketenpoort", user: "gateway",
            passwordFile: secrets + "/password", tlsMode: .verifyCA, caFile: secrets + "/ca.pem", certificateFile: secrets + "/client.pem",
            keyFile: "/etc/ketenpoort/client-key.pem", keyEncryptionKeyFile: secrets + "/kek", maximumConnections: 12,
            operationTimeout: 2.5, nodeDeadAfter: 9, heartbeatInterval: 1.5))
    }

    func testUnsetPostgresKeysTakeThePostgresSettingsDefaultsAndASocketDefaultsToNoTLS() throws {
        let base = try temporaryDirectory()
        let tcp = try XCTUnwrap(try configuration(store: "store:\n  kind: postgres\n  database: k\n  user: u\n", base: base).postgresSettings)
        XCTAssertEqual(tcp, PostgresSettings(database: "k", user: "u"))
        XCTAssertEqual(tcp.tlsMode, .verifyFull)
        let socket = try XCTUnwrap(try configuration(
            store: "store:\n  kind: postgres\n  socket: run/.s.PGSQL.5432\n  database: k\n  user: u\n", base: base).postgresSettings)
        XCTAssertEqual(socket.socketPath, base.appendingPathComponent("run/.s.PGSQL.5432").path)
        XCTAssertEqual(socket.tlsMode, .disable)
    }

    func testMisspeltStoreKeysAreNamedWithTheKeyTheyResemble() throws {
        let base = try temporaryDirectory()
        let section = "store:\n  kind: postgres\n  database: k\n  user: u\n  passwordFle: p\n  tls:\n    mod: disable\n"
        XCTAssertThrowsError(try configuration(store: section, base: base)) { error in
            XCTAssertEqual((error as? ConfigurationError)?.problems.map(\.description), [
                "store.passwordFle: unknown key (did you mean passwordFile?)",
                "store.tls.mod: unknown key (did you mean mode?)",
            ])
        }
    }

    func testAnUnknownKindOrTLSModeNamesTheAllowedValues() throws {
        let base = try temporaryDirectory()
        XCTAssertThrowsError(try configuration(store: "store:\n  kind: postgresql\n", base: base)) { error in
            XCTAssertEqual((error as? ConfigurationError)?.problems.map(\.description),
                           ["store.kind: must be sqlite or postgres, not 'postgresql'"])
        }
        XCTAssertThrowsError(try configuration(store: "store:\n  kind: postgres\n  tls:\n    mode: require\n", base: base)) { error in
            XCTAssertEqual((error as? ConfigurationError)?.problems.map(\.description),
                           ["store.tls.mode: must be disable, verify-ca or verify-full, not 'require'"])
        }
    }

    // MARK: item 2: static checks

    func testACompletePostgresSectionHasNoProblems() throws {
        XCTAssertEqual(try storeProblems(complete, base: try secrets()), [])
    }

    func testAPostgresStoreMustNameDatabaseUserAndKeyEncryptionKey() throws {
        XCTAssertEqual(try storeProblems([], base: try secrets()), [
            "store.database: is required with kind: postgres",
            "store.user: is required with kind: postgres",
            "store.keyEncryptionKeyFile: is required with kind: postgres (the key that wraps the payload data keys; "
                + "base64 of 32 random bytes, e.g. `openssl rand -base64 32`, mode 0600)",
        ])
    }

    func testTLSMayBeDisabledOnlyForASocketOrALoopbackHost() throws {
        let base = try secrets()
        let common = ["  database: k", "  user: u", "  keyEncryptionKeyFile: kek", "  tls:", "    mode: disable"]
        XCTAssertEqual(try storeProblems(["  host: db.ketenpoort.example"] + common, base: base), [
            "store.tls.mode: disable is only allowed for a socket or a loopback host (host is db.ketenpoort.example); "
                + "use verify-full with the database server's CA in store.tls.ca",
        ])
        XCTAssertEqual(try storeProblems(["  host: 10.0.0.5"] + common, base: base).count, 1)
        for host in ["127.0.0.1", "127.10.0.1", "localhost", "::1", "\"[::1]\""] {
            XCTAssertEqual(try storeProblems(["  host: \(host)"] + common, base: base), [], host)
        }
        XCTAssertEqual(try storeProblems(["  socket: /run/postgresql/.s.PGSQL.5432"] + common, base: base), [])
        XCTAssertEqual(try storeProblems(common, base: base), [], "the default host is 127.0.0.1")
    }

    func testTLSFilesMustExistAndTheClientKeyMustBelongToItsCertificate() throws {
        let base = try secrets()
        let pki = try GatewayTestPKI.get()
        let gateway = try XCTUnwrap(pki.manifest.party(named: "gateway"))
        let shn = try XCTUnwrap(pki.manifest.party(named: "shn"))
        let missing = try storeProblems(complete.dropLast() + ["    ca: absent-ca.pem", "    certificate: absent.pem", "    key: absent-key.pem"],
                                        base: base)
        XCTAssertEqual(missing.map { String($0.prefix { $0 != ":" }) }, ["store.tls.ca", "store.tls.certificate", "store.tls.key"], "\(missing)")
        XCTAssertTrue(missing[2].hasSuffix("cannot read \(base.appendingPathComponent("absent-key.pem").path)"), missing[2])

        let matching = complete + ["    certificate: \(pki.path(gateway.tlsCertificate))", "    key: \(pki.path(gateway.tlsKey))"]
        XCTAssertEqual(try storeProblems(matching, base: base), [])
        let mismatched = complete + ["    certificate: \(pki.path(gateway.tlsCertificate))", "    key: \(pki.path(shn.tlsKey))"]
        let problems = try storeProblems(mismatched, base: base)
        XCTAssertEqual(problems.count, 1)
        XCTAssertTrue(problems.first?.hasPrefix("store.tls.key: ") ?? false, "\(problems)")
        XCTAssertTrue(problems.first?.contains("their public keys differ") ?? false, "\(problems)")
        XCTAssertEqual(try storeProblems(complete + ["    certificate: \(pki.path(gateway.tlsCertificate))"], base: base),
                       ["store.tls.key: is required with store.tls.certificate"])
    }

    func testPasswordAndKeyEncryptionKeyFilesMustNotBeReadableByGroupOrOthers() throws {
        let base = try secrets()
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: base.appendingPathComponent("password").path)
        try FileManager.default.setAttributes([.posixPermissions: 0o640], ofItemAtPath: base.appendingPathComponent("kek").path)
        let problems = try storeProblems(complete, base: base)
        XCTAssertEqual(problems, [
            "store.passwordFile: \(base.path)/password is readable by group or others (mode 644); the password file must be 0600 or 0400",
            "store.keyEncryptionKeyFile: \(base.path)/kek is readable by group or others (mode 640); "
                + "the key-encryption key file must be 0600 or 0400",
        ])
        try FileManager.default.setAttributes([.posixPermissions: 0o400], ofItemAtPath: base.appendingPathComponent("password").path)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: base.appendingPathComponent("kek").path)
        XCTAssertEqual(try storeProblems(complete, base: base), [])
    }

    func testAMissingPasswordFileIsNamed() throws {
        let base = try secrets()
        try FileManager.default.removeItem(at: base.appendingPathComponent("password"))
        XCTAssertEqual(try storeProblems(complete, base: base), ["store.passwordFile: cannot read \(base.path)/password"])
    }

    func testTheKeyEncryptionKeyMustBeBase64OfExactly32BytesAndIsNeverEchoed() throws {
        let base = try secrets()
        let short = Data(repeating: 7, count: 16).base64EncodedString()
        try write(short, "kek", in: base)
        let problems = try storeProblems(complete, base: base)
        XCTAssertEqual(problems, ["store.keyEncryptionKeyFile: \(base.path)/kek holds 16 bytes; a key-encryption key is exactly 32 bytes "
                                  + "(make one with `openssl rand -base64 32`)"])
        XCTAssertFalse(problems.joined().contains(short))

        let secretText = "correct horse battery staple"
        try write(secretText, "kek", in: base)
        let garbled = try storeProblems(complete, base: base)
        XCTAssertEqual(garbled, ["store.keyEncryptionKeyFile: \(base.path)/kek does not hold base64 text (make one with `openssl rand -base64 32`)"])
        XCTAssertFalse(garbled.joined().contains("horse"))
    }

    func testASQLiteStoreRefusesPostgresKeys() throws {
        let configuration = try configuration(store: "store:\n  kind: sqlite\n  host: db.ketenpoort.example\n  database: k\n",
                                              base: try temporaryDirectory())
        XCTAssertEqual(ConfigurationCheck.storeFindings(configuration).problems.map(\.description), [
            "store.host: is only used with kind: postgres (kind is sqlite)",
            "store.database: is only used with kind: postgres (kind is sqlite)",
        ])
    }

    func testTimingsMustLetANodeMissAHeartbeatBeforeItIsDeclaredDead() throws {
        let base = try secrets()
        XCTAssertEqual(try storeProblems(complete + ["  heartbeatSeconds: 4", "  nodeDeadAfterSeconds: 6"], base: base), [
            "store.nodeDeadAfterSeconds: must be at least twice heartbeatSeconds (4.0), or a live node that misses one heartbeat loses its leases",
        ])
        XCTAssertEqual(try storeProblems(complete + ["  heartbeatSeconds: 0", "  maxConnections: 0", "  operationTimeoutSeconds: -1"],
                                         base: base), [
            "store.maxConnections: must be between 1 and 1000",
            "store.operationTimeoutSeconds: must be positive",
            "store.heartbeatSeconds: must be positive",
        ])
    }

    func testStoreProblemsAreProblemsOfTheWholeCheck() throws {
        let configuration = try configuration(store: "store:\n  kind: postgres\n", base: try temporaryDirectory())
        let keys = ConfigurationCheck(configuration).problems.map(\.key)
        XCTAssertTrue(keys.contains("store.database") && keys.contains("store.user"), "\(keys)")
    }

    // MARK: item 3: docs/deployment.md

    func testTheStoreSectionInTheDeploymentGuideDecodesStrictlyAndStatesTheRealDefaults() throws {
        let guide = try String(contentsOf: GatewayExamples.repository.appendingPathComponent("docs/deployment.md"), encoding: .utf8)
        let blocks = guide.components(separatedBy: "```yaml\n").dropFirst().map { $0.components(separatedBy: "```").first ?? "" }
        let section = try XCTUnwrap(blocks.first { $0.hasPrefix("store:") }, "the guide shows no store: section")
        let settings = try XCTUnwrap(try configuration(store: section, base: try temporaryDirectory()).postgresSettings)
        let defaults = PostgresSettings(database: "", user: "")
        XCTAssertEqual(settings.tlsMode, defaults.tlsMode)
        XCTAssertEqual(settings.port, defaults.port)
        XCTAssertEqual(settings.maximumConnections, defaults.maximumConnections)
        XCTAssertEqual(settings.operationTimeout, defaults.operationTimeout)
        XCTAssertEqual(settings.nodeDeadAfter, defaults.nodeDeadAfter)
        XCTAssertEqual(settings.heartbeatInterval, defaults.heartbeatInterval)
        let bound = Int(defaults.nodeDeadAfter + defaults.heartbeatInterval)
        XCTAssertTrue(guide.contains("(about \(bound) s by default)"), "the guide's bound for returning a dead node's leases is not \(bound) s")
        for key in ["kind", "host", "port", "socket", "database", "user", "passwordFile", "tls.mode", "tls.ca", "tls.certificate",
                    "keyEncryptionKeyFile", "maxConnections", "operationTimeoutSeconds", "nodeDeadAfterSeconds", "heartbeatSeconds"] {
            XCTAssertTrue(guide.contains("`\(key)`"), "the guide's key table does not name \(key)")
        }
    }

    // MARK: item 5: the example

    func testThePostgresExamplePassesTheStaticChecksWithItsFilesInPlace() throws {
        let pki = try GatewayTestPKI.get()
        let secrets = try secrets()
        try FileManager.default.moveItem(at: secrets.appendingPathComponent("ca.pem"), to: secrets.appendingPathComponent("postgres-ca.pem"))
        try FileManager.default.moveItem(at: secrets.appendingPathComponent("password"), to: secrets.appendingPathComponent("postgres-password"))
        try FileManager.default.moveItem(at: secrets.appendingPathComponent("kek"), to: secrets.appendingPathComponent("ketenpoort-kek"))
        let state = try temporaryDirectory()
        let yaml = try String(contentsOf: examples.appendingPathComponent("gateway-postgres.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "../../dev-pki/", with: pki.directory + "/")
            .replacingOccurrences(of: "../../secrets/", with: secrets.path + "/")
            .replacingOccurrences(of: "stateDirectory: ../../state", with: "stateDirectory: \(state.path)")
        let configuration = try ConfigurationLoader.decode(yaml, baseDirectory: examples)
        XCTAssertEqual(configuration.storeKind, .postgres)
        XCTAssertEqual(configuration.postgresSettings?.tlsMode, .verifyFull)
        XCTAssertEqual(configuration.postgresSettings?.keyEncryptionKeyFile, secrets.path + "/ketenpoort-kek")
        let check = ConfigurationCheck(configuration)
        XCTAssertEqual(check.problems.map(\.description), [])
        XCTAssertFalse(check.warnings.contains { $0.key.hasPrefix("store") }, "\(check.warnings)")
    }
}
