import Foundation
import GRDB
import KetenpoortPostgres
import KetenpoortStore
import KetenpoortTesting
import Logging
import Synchronization
import XCTest

/// The store implementations the conformance suite runs against.
enum StoreBackend: String, Sendable {
    /// ``SQLiteStore`` in a temporary state directory.
    case sqlite
    /// ``PostgresStore`` on a fresh database of the test cluster (`scripts/postgres-test-cluster`).
    case postgres
}

/// What the conformance tests need from a store: the gateway's protocols.
typealias ConformanceStore = any GatewayStore & WitnessCosignatureStore

/// A value for tampering SQL, written as a literal in the backend's dialect.
enum TamperValue: Sendable {
    case integer(Int64)
    case text(String)
    case bytes(Data)
}

/// One test's storage (a state directory or a PostgreSQL database) and the stores opened on it, removed when the test ends.
///
/// The shared test bodies use only the store protocols plus this fixture, so the same body checks both implementations.
final class StoreFixture: Sendable {
    /// Which implementation this fixture opens.
    let backend: StoreBackend
    private let directory: String
    private let database: PostgresTestDatabase?
    private let opened = Mutex<[ConformanceStore]>([])

    private init(backend: StoreBackend, directory: String, database: PostgresTestDatabase?) {
        self.backend = backend
        self.directory = directory
        self.database = database
    }

    /// Fresh storage for `test`; closes every store opened through it and removes the storage when the test ends.
    static func make(_ backend: StoreBackend, for test: XCTestCase) async throws -> StoreFixture {
        let directory = try makeStateDirectory(test)
        let database = backend == .postgres ? try await PostgresTestDatabase.create() : nil
        let fixture = StoreFixture(backend: backend, directory: directory, database: database)
        test.addTeardownBlock { await fixture.removeAll() }
        return fixture
    }

    /// Opens a store on this fixture's storage (the first open with ``StoreAccess/migrate`` creates it).
    func open(access: StoreAccess = .migrate, payloadKeys: Bool = true) async throws -> ConformanceStore {
        let store: ConformanceStore
        switch backend {
        case .sqlite:
            store = try SQLiteStore.open(stateDirectory: directory, access: access, payloadKeys: payloadKeys)
        case .postgres:
            store = try await PostgresStore.open(settings: try postgresSettings(), access: access, payloadKeys: payloadKeys,
                                                 logger: quietLogger)
        }
        opened.withLock { $0.append(store) }
        return store
    }

    /// Closes `store` (it must come from this fixture).
    func close(_ store: ConformanceStore) async {
        if let sqlite = store as? SQLiteStore { try? sqlite.close() }
        if let postgres = store as? PostgresStore { await postgres.shutdown() }
    }

    /// The PostgreSQL settings of this fixture's database (only for ``StoreBackend/postgres``).
    func postgresSettings() throws -> PostgresSettings {
        guard let database else { throw StoreError.invalidArgument("the \(backend) fixture has no PostgreSQL database") }
        return database.settings
    }

    /// The group-commit counters of `store`.
    func statistics(_ store: ConformanceStore) async -> StoreStatistics {
        if let sqlite = store as? SQLiteStore { return await sqlite.statistics() }
        if let postgres = store as? PostgresStore { return await postgres.statistics() }
        return StoreStatistics(acceptCommits: 0, acceptCalls: 0)
    }

    /// Runs raw SQL as an attacker with write access to the database would; `?` marks `arguments`, in order.
    ///
    /// With `disablingGuards` the append-only triggers do not fire for these statements (SQLite: dropped and created
    /// again in the same transaction; PostgreSQL: `session_replication_role = replica`); without, they do.
    func tamper(_ sql: String, _ arguments: [TamperValue] = [], disablingGuards: Bool = true) async throws {
        let statement = try Self.substitute(arguments, into: sql, backend: backend)
        switch backend {
        case .sqlite:
            let pool = try DatabasePool(path: directory + "/" + SQLiteStore.databaseFileName)
            defer { try? pool.close() }
            try await pool.write { db in
                var guards: [(name: String, sql: String)] = []
                if disablingGuards {
                    guards = try Row.fetchAll(db, sql: "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").map { ($0["name"], $0["sql"]) }
                    for (name, _) in guards { try db.execute(sql: "DROP TRIGGER \(name)") }
                }
                try db.execute(sql: statement)
                for (_, sql) in guards { try db.execute(sql: sql) }
            }
        case .postgres:
            guard let database else { return }
            try await database.execute(disablingGuards ? ["SET session_replication_role = replica", statement] : [statement])
        }
    }

    /// Removes the append-only trigger `name` of `table` for good, as an attacker covering their tracks would.
    func dropGuard(_ name: String, on table: String) async throws {
        switch backend {
        case .sqlite: try await tamper("DROP TRIGGER \(name)", disablingGuards: false)
        case .postgres: try await tamper("DROP TRIGGER \(name) ON \(table)", disablingGuards: false)
        }
    }

    /// Where the database keeps its data on disk: the SQLite files, or the PostgreSQL cluster's data directory
    /// after a `CHECKPOINT` (so table pages are written, not only the WAL).
    func filesOnDisk() async throws -> [String] {
        switch backend {
        case .sqlite:
            return ["", "-wal", "-shm"].map { directory + "/" + SQLiteStore.databaseFileName + $0 }
                .filter { FileManager.default.fileExists(atPath: $0) }
        case .postgres:
            guard let database else { return [] }
            try await database.execute(["CHECKPOINT"])
            let root = database.cluster.dataDirectory
            guard let walker = FileManager.default.enumerator(atPath: root) else { return [] }
            var files: [String] = []
            while let relative = walker.nextObject() as? String {
                var isDirectory: ObjCBool = false
                let path = root + "/" + relative
                if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue { files.append(path) }
            }
            return files
        }
    }

    private func removeAll() async {
        let stores = opened.withLock { stores in
            defer { stores.removeAll() }
            return stores
        }
        for store in stores { await close(store) }
        try? await database?.drop()
    }

    /// `sql` with each `?` replaced by the next argument as a literal of `backend`'s dialect.
    private static func substitute(_ arguments: [TamperValue], into sql: String, backend: StoreBackend) throws -> String {
        var remaining = arguments[...]
        var result = ""
        for character in sql {
            guard character == "?" else { result.append(character); continue }
            guard let value = remaining.popFirst() else { throw StoreError.invalidArgument("more ? than arguments in \(sql)") }
            switch value {
            case .integer(let number): result += String(number)
            case .text(let text): result += "'" + text.replacingOccurrences(of: "'", with: "''") + "'"
            case .bytes(let data):
                let hex = data.map { String(format: "%02x", $0) }.joined()
                result += backend == .sqlite ? "X'\(hex)'" : "'\\x\(hex)'::bytea"
            }
        }
        guard remaining.isEmpty else { throw StoreError.invalidArgument("more arguments than ? in \(sql)") }
        return result
    }
}

extension MessageStore {
    /// The sequence number of the last audit record (0 if none), read through the protocol.
    func lastAuditSequence() async throws -> Int64 {
        var last: Int64 = 0
        while let next = try await auditRecords(afterSequence: last, limit: 10_000).last?.sequence {
            last = next
        }
        return last
    }
}

/// A logger that drops everything (PostgresNIO logs each failed connection attempt at info level).
let quietLogger = Logger(label: "ketenpoort.test.store", factory: { _ in SwiftLogNoOpLogHandler() })
