import Crypto
import Foundation
import KetenpoortStore
import PostgresNIO

/// The payload data keys kept in the database, wrapped by the key-encryption key: every node shares them without
/// copying key files around.
enum WrappedKeyring {
    /// Loads and unwraps every data key; with `createIfNone` makes the first one (under the audit head lock, so two
    /// nodes starting together make one).
    static func load(_ database: PostgresDatabase, kek: KeyEncryptionKey, createIfNone: Bool) async throws -> PayloadKeyring {
        if createIfNone {
            try await database.transaction("create the first payload key") { connection in
                _ = try await AuditChainWriter.lockHead(connection)
                let count = try await connection.query("SELECT count(*) FROM payload_keys", logger: PostgresDatabase.quiet)
                    .collect().first?.decode(Int64.self) ?? 0
                if count == 0 { _ = try await insertNewKey(connection, kek: kek, makeActive: true) }
            }
        }
        let rows = try await database.rows("load payload keys", "SELECT id, wrapped, active FROM payload_keys")
        var keys: [String: SymmetricKey] = [:]
        var active: String?
        for row in rows {
            let (id, wrapped, isActive) = try row.decode((String, Data, Bool).self)
            keys[id] = SymmetricKey(data: try kek.unwrap(wrapped, keyId: id))
            if isActive { active = id }
        }
        guard let active else {
            throw StoreError.keyError("the database holds no active payload key (run `ketenpoort store migrate --config FILE`)")
        }
        return PayloadKeyring(activeKeyId: active, keys: keys)
    }

    /// Adds a new random data key wrapped by `kek`; with `makeActive` it seals new payloads from now on.
    @discardableResult
    static func insertNewKey(_ connection: PostgresConnection, kek: KeyEncryptionKey, makeActive: Bool) async throws -> String {
        let id = PayloadKeyring.newKeyId()
        let dataKey = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
        let wrapped = try kek.wrap(dataKey, keyId: id)
        if makeActive {
            try await connection.query("UPDATE payload_keys SET active = FALSE WHERE active", logger: PostgresDatabase.quiet)
        }
        try await connection.query("""
            INSERT INTO payload_keys (id, wrapped, kek_id, active, created_ms) VALUES (\(id), \(wrapped), \(kek.id), \(makeActive), \(Date().millis))
            """, logger: PostgresDatabase.quiet)
        return id
    }

    /// Re-wraps every data key from `old` to `new` in one transaction; returns how many.
    static func rewrap(_ database: PostgresDatabase, from old: KeyEncryptionKey, to new: KeyEncryptionKey) async throws -> Int {
        try await database.transaction("re-wrap payload keys") { connection in
            _ = try await AuditChainWriter.lockHead(connection)
            let rows = try await connection.query("SELECT id, wrapped FROM payload_keys FOR UPDATE", logger: PostgresDatabase.quiet).collect()
            for row in rows {
                let (id, wrapped) = try row.decode((String, Data).self)
                let rewrapped = try new.wrap(try old.unwrap(wrapped, keyId: id), keyId: id)
                try await connection.query("UPDATE payload_keys SET wrapped = \(rewrapped), kek_id = \(new.id) WHERE id = \(id)",
                                           logger: PostgresDatabase.quiet)
            }
            return rows.count
        }
    }
}

extension PostgresStore {
    /// Re-wraps every payload data key from `old` to `new` in one transaction (with `newDataKey`, also adds a new active
    /// data key); returns how many keys were re-wrapped. Nodes still holding `old` can no longer unwrap after this.
    public func rotateKeyEncryptionKey(from old: KeyEncryptionKey, to new: KeyEncryptionKey, newDataKey: Bool) async throws -> Int {
        let count = try await WrappedKeyring.rewrap(database, from: old, to: new)
        if newDataKey {
            try await database.transaction("add a payload data key") { connection in
                _ = try await AuditChainWriter.lockHead(connection)
                try await WrappedKeyring.insertNewKey(connection, kek: new, makeActive: true)
            }
        }
        return count
    }
}
