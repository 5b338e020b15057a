import Crypto
import Foundation
import KetenpoortStore
import Logging
import PostgresNIO

/// The PostgreSQL implementation of the gateway store: any number of gateway nodes share one queue and one audit chain.
///
/// Same contract as ``SQLiteStore``: every state change and its audit records commit in one transaction, durable on
/// return (the server's `synchronous_commit=on`). Writes are group-committed per node and serialised across nodes on
/// the `audit_head` row; reads need no lock. Times are integer milliseconds since the Unix epoch (UTC), as in SQLite.
public final class PostgresStore: Sendable {
    /// The schema migrations this build knows, in order; the last is the store's current version.
    public static var schemaVersions: [String] { PostgresSchema.migrations.map(\.id) }

    /// Where the database is, for messages (never the password).
    public let location: String
    /// How the store was opened.
    public let access: StoreAccess
    let database: PostgresDatabase
    let keys: SharedPayloadKeys?
    let batcher: PostgresWriteBatcher

    /// Connects, checks (or with ``StoreAccess/migrate`` applies) the schema, and with `payloadKeys` unwraps the payload
    /// data keys with the key-encryption key of `settings` (creating the first data key when migrating).
    public static func open(settings: PostgresSettings, access: StoreAccess, payloadKeys: Bool, logger: Logger) async throws -> PostgresStore {
        var effective = settings
        if access == .readOnly { effective.readOnlySession = true }
        // One connection first: a refused login or server certificate is named now, not after the pool's deadline.
        do {
            let probe = try await PostgresDatabase.connectOnce(settings, logger: logger)
            try? await probe.close()
        } catch {
            throw StoreError.unavailable("cannot reach \(settings.displayName): \(PostgresErrorText.describe(error))")
        }
        let database = try PostgresDatabase(settings: effective, logger: logger)
        do {
            try await database.withConnection("check the schema") { connection in
                if access == .migrate {
                    try await PostgresMigrator.migrate(connection)
                } else {
                    try PostgresMigrator.checkUsable(applied: try await PostgresMigrator.applied(connection),
                                                     database: settings.displayName)
                }
            }
            var keys: SharedPayloadKeys?
            if payloadKeys {
                guard let file = settings.keyEncryptionKeyFile else {
                    throw StoreError.keyError("store.keyEncryptionKeyFile is required: it unwraps the payload keys in the database")
                }
                let kek = try KeyEncryptionKey.read(file: file)
                keys = SharedPayloadKeys(kek: kek, keyring: try await WrappedKeyring.load(database, kek: kek, createIfNone: access == .migrate))
            }
            return PostgresStore(database: database, access: access, keys: keys)
        } catch {
            await database.close()
            throw PostgresErrorText.storeError(error)
        }
    }

    private init(database: PostgresDatabase, access: StoreAccess, keys: SharedPayloadKeys?) {
        self.database = database
        self.access = access
        self.keys = keys
        location = database.settings.displayName
        batcher = PostgresWriteBatcher(database: database)
    }

    /// Closes the connection pool and waits until its connections are closed; later calls fail.
    public func shutdown() async {
        await database.close()
    }

    /// Starts closing the connection pool without waiting; later calls fail.
    public func close() {
        database.startClosing()
    }

    /// Problems connecting to the database of `settings`, in words (empty when it answers and its schema is usable).
    ///
    /// One connection of its own (read-only), so a refused login or an untrusted server certificate is reported as such.
    public static func checkConnection(settings: PostgresSettings, logger: Logger) async -> [String] {
        var problems: [String] = []
        do {
            let connection = try await PostgresDatabase.connectOnce(settings, logger: logger)
            do {
                try PostgresMigrator.checkUsable(applied: try await PostgresMigrator.applied(connection), database: settings.displayName)
            } catch {
                problems.append("\(PostgresErrorText.storeError(error))")
            }
            try? await connection.close()
            if let file = settings.keyEncryptionKeyFile {
                do {
                    _ = try KeyEncryptionKey.read(file: file)
                } catch {
                    problems.append("\(error)")
                }
            }
        } catch {
            problems.append("cannot reach \(settings.displayName): \(PostgresErrorText.describe(error))")
        }
        return problems
    }

    /// The group commit counters so far.
    public func statistics() async -> StoreStatistics {
        let batched = await batcher.statistics()
        return StoreStatistics(acceptCommits: 0, acceptCalls: 0, batchedCommits: batched.commits, batchedOperations: batched.operations)
    }

    /// Runs `work` in the next shared write transaction (group commit), appending audit records through the chain writer.
    func write<T: Sendable>(_ work: @escaping PostgresWrite<T>) async throws -> T {
        guard access != .readOnly else {
            throw StoreError.invalidArgument("the store at \(location) was opened read-only")
        }
        return try await batcher.submit(work)
    }

    /// Runs one read statement.
    func rows(_ what: String, _ query: PostgresQuery) async throws -> [PostgresRow] {
        try await database.rows(what, query)
    }
}
