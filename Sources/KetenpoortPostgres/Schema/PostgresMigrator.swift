import Foundation
import KetenpoortStore
import PostgresNIO

/// Applies the schema migrations once (whichever node comes first, under an advisory lock) and checks that a
/// database's schema is one this build knows.
enum PostgresMigrator {
    /// The migration identifiers applied to the database, in order (empty for a database that was never migrated).
    static func applied(_ connection: PostgresConnection) async throws -> [String] {
        let exists = try await connection.query(
            "SELECT to_regclass('ketenpoort_migrations') IS NOT NULL", logger: PostgresDatabase.quiet).collect()
        guard let first = exists.first, try first.decode(Bool.self) else { return [] }
        return try await connection.query("SELECT id FROM ketenpoort_migrations ORDER BY applied_ms, id",
                                          logger: PostgresDatabase.quiet).collect().map { try $0.decode(String.self) }
    }

    /// Applies every migration not yet applied, each in its own transaction, holding the migration lock.
    static func migrate(_ connection: PostgresConnection) async throws {
        try await connection.query("SELECT pg_advisory_lock(\(PostgresSchema.migrationLock))", logger: PostgresDatabase.quiet)
        do {
            try await connection.query("""
                CREATE TABLE IF NOT EXISTS ketenpoort_migrations (id TEXT PRIMARY KEY, applied_ms BIGINT NOT NULL)
                """, logger: PostgresDatabase.quiet)
            let done = Set(try await applied(connection))
            try check(applied: done, database: "")
            for migration in PostgresSchema.migrations where !done.contains(migration.id) {
                try await connection.query("BEGIN", logger: PostgresDatabase.quiet)
                do {
                    for statement in statements(migration.sql) {
                        try await connection.query(PostgresQuery(unsafeSQL: statement), logger: PostgresDatabase.quiet)
                    }
                    let now = Date().millis
                    try await connection.query(
                        "INSERT INTO ketenpoort_migrations (id, applied_ms) VALUES (\(migration.id), \(now))",
                        logger: PostgresDatabase.quiet)
                    try await connection.query("COMMIT", logger: PostgresDatabase.quiet)
                } catch {
                    _ = try? await connection.query("ROLLBACK", logger: PostgresDatabase.quiet)
                    throw StoreError.database("migration \(migration.id) failed: \(PostgresErrorText.describe(error))")
                }
            }
        } catch {
            _ = try? await connection.query("SELECT pg_advisory_unlock(\(PostgresSchema.migrationLock))", logger: PostgresDatabase.quiet)
            throw error
        }
        try await connection.query("SELECT pg_advisory_unlock(\(PostgresSchema.migrationLock))", logger: PostgresDatabase.quiet)
    }

    /// Refuses a schema with migrations this build does not know.
    static func check(applied: Set<String>, database: String) throws {
        let known = Set(PostgresSchema.migrations.map(\.id))
        let unknown = applied.subtracting(known).sorted()
        if !unknown.isEmpty { throw StoreSchemaError.newerVersion(path: database, unknown: unknown) }
    }

    /// Refuses a database that is absent, not migrated, or newer than this build (read-only and read-write opens).
    static func checkUsable(applied: [String], database: String) throws {
        try check(applied: Set(applied), database: database)
        if applied.isEmpty { throw StoreSchemaError.notInitialised(path: database) }
        let missing = PostgresSchema.migrations.map(\.id).filter { !applied.contains($0) }
        if !missing.isEmpty { throw StoreSchemaError.needsMigration(path: database, missing: missing) }
    }

    /// Splits a migration into statements at semicolons that end a line, outside `$$` bodies.
    static func statements(_ sql: String) -> [String] {
        var result: [String] = []
        var current: [Substring] = []
        var inBody = false
        for line in sql.split(separator: "\n", omittingEmptySubsequences: false) {
            current.append(line)
            if line.components(separatedBy: "$$").count % 2 == 0 { inBody.toggle() }
            if !inBody, line.trimmingCharacters(in: .whitespaces).hasSuffix(";") {
                let statement = current.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
                if !statement.isEmpty { result.append(statement) }
                current = []
            }
        }
        let rest = current.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
        if !rest.isEmpty { result.append(rest) }
        return result
    }
}
