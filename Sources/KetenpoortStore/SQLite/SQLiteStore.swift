import Crypto
import Foundation
import GRDB

/// Commit counters of the write batchers, for benchmarks and metrics.
public struct StoreStatistics: Sendable, Equatable {
    /// Accept transactions committed (each is one WAL fsync with `synchronous=FULL`).
    public var acceptCommits: Int64
    /// Accept calls written by those transactions.
    public var acceptCalls: Int64
    /// Shared transactions of delivery transitions, leases and events.
    public var batchedCommits: Int64 = 0
    /// Operations written by those transactions.
    public var batchedOperations: Int64 = 0

    /// Counters as given.
    package init(acceptCommits: Int64, acceptCalls: Int64, batchedCommits: Int64 = 0, batchedOperations: Int64 = 0) {
        self.acceptCommits = acceptCommits
        self.acceptCalls = acceptCalls
        self.batchedCommits = batchedCommits
        self.batchedOperations = batchedOperations
    }
}

/// The SQLite implementation of ``MessageStore``: one WAL database file, `synchronous=FULL`.
///
/// Layout of the state directory: `ketenpoort.sqlite` (plus `-wal` and `-shm`) and `keys/`
/// (payload keys, mode 0600). Times are stored as integer milliseconds since the Unix epoch (UTC).
public final class SQLiteStore: MessageStore {
    /// The database file name inside the state directory.
    public static let databaseFileName = "ketenpoort.sqlite"
    /// The key directory name inside the state directory.
    public static let keyDirectoryName = "keys"

    /// The schema migrations this build knows, in order; the last is the store's current version.
    public static var schemaVersions: [String] { Schema.migrator.migrations }

    /// The path of the database file.
    public let databasePath: String
    /// How the store was opened.
    public let access: StoreAccess
    let pool: DatabasePool
    let cipher: PayloadCipher?
    /// Batches concurrent accepts into shared transactions.
    let acceptBatcher: WriteBatcher
    /// Batches delivery transitions, leases and events into shared transactions.
    let batcher: WriteBatcher

    /// Opens (or creates) the store in `stateDirectory`, migrating it and creating a payload key on first use.
    public static func open(stateDirectory: String) throws -> SQLiteStore {
        try open(stateDirectory: stateDirectory, access: .migrate, payloadKeys: true)
    }

    /// Opens the store in `stateDirectory` as `access` allows; with `payloadKeys` also its payload keys
    /// (created on first use only with ``StoreAccess/migrate``).
    public static func open(stateDirectory: String, access: StoreAccess, payloadKeys: Bool) throws -> SQLiteStore {
        let path = stateDirectory + "/" + databaseFileName
        if access == .migrate {
            _ = try StateDirectoryFiles.secure(stateDirectory)
        } else if !FileManager.default.fileExists(atPath: path) {
            throw StoreSchemaError.absent(path: path)
        }
        let keyring: PayloadKeyring?
        if payloadKeys {
            let keys = stateDirectory + "/" + keyDirectoryName
            keyring = access == .migrate ? try PayloadKeyring.openOrCreate(directory: keys) : try PayloadKeyring.load(directory: keys)
        } else {
            keyring = nil
        }
        return try SQLiteStore(databasePath: path, keyring: keyring, access: access)
    }

    /// Opens an existing store without payload keys (read-only unless told otherwise): audit and queue queries
    /// work, payloads do not.
    public static func openWithoutKeys(stateDirectory: String, access: StoreAccess = .readOnly) throws -> SQLiteStore {
        try open(stateDirectory: stateDirectory, access: access, payloadKeys: false)
    }

    /// Opens the database at `databasePath`: ``StoreAccess/migrate`` creates it (mode 0600) and applies pending
    /// migrations; the other modes open an existing one whose schema this build knows, and never change it.
    public init(databasePath: String, keyring: PayloadKeyring?, access: StoreAccess = .migrate) throws {
        self.databasePath = databasePath
        self.access = access
        if access == .migrate {
            try StateDirectoryFiles.createDatabaseFile(databasePath)
        } else if !FileManager.default.fileExists(atPath: databasePath) {
            throw StoreSchemaError.absent(path: databasePath)
        }
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.readonly = access == .readOnly
        configuration.prepareDatabase { db in
            if !db.configuration.readonly {
                try db.execute(sql: "PRAGMA journal_mode = WAL")
            }
            try db.execute(sql: "PRAGMA synchronous = FULL")
            try db.execute(sql: "PRAGMA secure_delete = ON")
            try db.execute(sql: "PRAGMA foreign_keys = ON")
            // Savepoints (one per batched operation) need statement journals; keep them off the disk.
            try db.execute(sql: "PRAGMA temp_store = MEMORY")
        }
        do {
            pool = try DatabasePool(path: Self.connectionPath(databasePath, access: access), configuration: configuration)
        } catch {
            throw StoreError.wrap(error)
        }
        try Self.checkSchema(pool, path: databasePath, access: access)
        if access != .readOnly {
            do {
                // GRDB's DatabasePool switches the writer to WAL *after* prepareDatabase and sets
                // synchronous=NORMAL there; set FULL again on the writer and check that it holds.
                let synchronous = try pool.writeWithoutTransaction { db -> Int in
                    try db.execute(sql: "PRAGMA synchronous = FULL")
                    return try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1
                }
                guard synchronous == 2 else {
                    throw StoreError.database("could not set synchronous=FULL on \(databasePath) (got \(synchronous))")
                }
                if access == .migrate {
                    try Schema.migrator.migrate(pool)
                }
            } catch {
                throw StoreError.wrap(error)
            }
        }
        if access == .migrate {
            // SQLite gives -wal and -shm the database file's mode; tighten them should an older run have left them open.
            _ = try StateDirectoryFiles.secure((databasePath as NSString).deletingLastPathComponent)
        }
        cipher = keyring.map(PayloadCipher.init(keyring:))
        acceptBatcher = WriteBatcher(pool: pool, maximumBatch: 512)
        batcher = WriteBatcher(pool: pool)
    }

    /// The path SQLite opens. A read-only open in a directory this process cannot write, with no `-wal` file (no
    /// writer is running), opens the file as immutable: SQLite could not create the `-shm` it otherwise needs.
    private static func connectionPath(_ path: String, access: StoreAccess) -> String {
        let directory = (path as NSString).deletingLastPathComponent
        guard access == .readOnly, !isWritable(directory), !FileManager.default.fileExists(atPath: path + "-wal") else {
            return path
        }
        var components = URLComponents()
        components.scheme = "file"
        components.path = path
        components.queryItems = [URLQueryItem(name: "immutable", value: "1")]
        return components.string ?? path
    }

    private static func isWritable(_ directory: String) -> Bool {
        FileManager.default.isWritableFile(atPath: directory)
    }

    /// Refuses a database this build cannot work with: a newer schema always, an absent or older one unless migrating.
    private static func checkSchema(_ pool: DatabasePool, path: String, access: StoreAccess) throws {
        let known = Schema.migrator.migrations
        let applied: Set<String>
        do {
            applied = try pool.read { db in try Schema.migrator.appliedIdentifiers(db) }
        } catch {
            throw StoreError.wrap(error)
        }
        let unknown = applied.subtracting(known).sorted()
        if !unknown.isEmpty { throw StoreSchemaError.newerVersion(path: path, unknown: unknown) }
        guard access != .migrate else { return }
        if applied.isEmpty { throw StoreSchemaError.notInitialised(path: path) }
        let missing = known.filter { !applied.contains($0) }
        if !missing.isEmpty { throw StoreSchemaError.needsMigration(path: path, missing: missing) }
    }

    /// The writer connection's journal mode and `synchronous` level (2 = FULL), for checks and tests.
    public func durabilitySettings() async throws -> (journalMode: String, synchronous: Int) {
        try await write { db in
            (try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? "", try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1)
        }
    }

    /// Closes the database; later calls fail.
    public func close() throws {
        do { try pool.close() } catch { throw StoreError.wrap(error) }
    }

    /// The group commit counters so far.
    public func statistics() async -> StoreStatistics {
        let accepts = await acceptBatcher.statistics()
        let batched = await batcher.statistics()
        return StoreStatistics(acceptCommits: accepts.commits, acceptCalls: accepts.operations,
                               batchedCommits: batched.commits, batchedOperations: batched.operations)
    }

    /// Stores a message and its deliveries in a shared (group) transaction; returns once durable.
    public func accept(_ message: IncomingMessage, recipients: [String]) async throws -> AcceptOutcome {
        try message.validate(recipients: recipients)
        guard let cipher else {
            throw StoreError.keyError("the store was opened without payload keys; cannot accept message \(message.id)")
        }
        let (keyId, sealed) = try cipher.seal(message.payload, messageId: message.id)
        let stored = StoredMessage(
            id: message.id, kind: message.kind, senderOIN: message.senderOIN, recipients: recipients,
            digest: message.digest, receivedAt: Date(millis: message.receivedAt.millis),
            signedAt: Date(millis: message.signedAt.millis), urgent: message.urgent,
            retentionDeadline: Date(millis: message.retentionDeadline.millis), keyId: keyId, purgedAt: nil)
        let item = SealedAccept(message: stored, sealedPayload: sealed, signedDigest: Data(SHA256.hash(data: message.payload)))
        return try await acceptBatcher.submit { db in try AcceptWriter.write(db, item, nowMillis: Date().millis) }
    }

    /// Runs `body` in a write transaction of its own, mapping errors to ``StoreError``.
    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do { return try await pool.write(body) } catch { throw StoreError.wrap(error) }
    }

    /// Runs `body` in a savepoint of a transaction shared with concurrent callers (one fsync for all).
    func batchedWrite<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await batcher.submit(body)
    }

    /// Runs `body` on a read snapshot, mapping errors to ``StoreError``.
    func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do { return try await pool.read(body) } catch { throw StoreError.wrap(error) }
    }
}
