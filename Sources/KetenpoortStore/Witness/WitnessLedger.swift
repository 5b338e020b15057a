import Crypto
import Foundation
import GRDB

/// A head a witness accepted, with its cosignature and its place in the witness's own hash chain.
public struct WitnessedEntry: Sendable, Hashable {
    /// Position in the ledger, 1, 2, 3, … without gaps.
    public let id: Int64
    /// The configured name of the gateway whose key signed the head.
    public let gateway: String
    /// The gateway's signed tree head.
    public let head: SignedTreeHead
    /// The witness's cosignature of it.
    public let cosignature: WitnessCosignature
    /// The hash of the previous entry (32 zero bytes for the first).
    public let previousHash: Data
    /// SHA-256 over the previous hash and this entry (see ``WitnessLedger/entryHash``).
    public let hash: Data
}

/// Why a witness ledger cannot be used.
public enum WitnessLedgerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The ledger's hash chain or its triggers do not hold: it was altered outside the witness.
    case broken(entry: Int64, reason: String)
    /// SQLite failed.
    case database(String)

    /// One line for operators.
    public var description: String {
        switch self {
        case .broken(let entry, let reason): return "the witness ledger is broken at entry \(entry): \(reason)"
        case .database(let text): return "witness ledger: \(text)"
        }
    }
}

/// A witness's own append-only, hash-chained store of the heads it accepted and refused (SQLite, WAL, synchronous=FULL).
///
/// Calls are synchronous on purpose: the witness decides and appends under one lock, and an append returns only once
/// its transaction is on disk.
public final class WitnessLedger: Sendable {
    /// The database file name inside the witness's state directory.
    public static let databaseFileName = "witness.sqlite"
    private let pool: DatabasePool

    /// Opens (creating and migrating if needed) the ledger in `stateDirectory` and checks its whole hash chain.
    public init(stateDirectory: String) throws {
        do {
            _ = try StateDirectoryFiles.secure(stateDirectory)
            let path = stateDirectory + "/" + Self.databaseFileName
            try StateDirectoryFiles.createDatabaseFile(path)
            var configuration = Configuration()
            configuration.busyMode = .timeout(10)
            configuration.prepareDatabase { db in
                try db.execute(sql: "PRAGMA journal_mode = WAL")
                try db.execute(sql: "PRAGMA synchronous = FULL")
            }
            pool = try DatabasePool(path: path, configuration: configuration)
            try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
            try Self.migrator.migrate(pool)
        } catch let error as WitnessLedgerError {
            throw error
        } catch {
            throw WitnessLedgerError.database("\(error)")
        }
        try verify()
    }

    /// The writer connection's journal mode and `synchronous` level (2 = FULL), for checks and tests.
    public func durabilitySettings() throws -> (journalMode: String, synchronous: Int) {
        try write { db in
            (try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? "", try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1)
        }
    }

    /// Closes the database.
    public func close() throws {
        do { try pool.close() } catch { throw WitnessLedgerError.database("\(error)") }
    }

    /// The latest accepted head signed by the key with this SHA-256, if any.
    public func latest(keySHA256: Data) throws -> WitnessedEntry? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM witnessed_heads WHERE key_sha256 = ? ORDER BY tree_size DESC, id DESC LIMIT 1",
                             arguments: [keySHA256]).map(Self.entry)
        }
    }

    /// Every accepted head of that key and size (more than one only if re-signed at the same size with the same root).
    public func entries(keySHA256: Data, treeSize: Int64) throws -> [WitnessedEntry] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM witnessed_heads WHERE key_sha256 = ? AND tree_size = ? ORDER BY id",
                             arguments: [keySHA256, treeSize]).map(Self.entry)
        }
    }

    /// Every accepted head, in order.
    public func allEntries() throws -> [WitnessedEntry] {
        try read { db in try Row.fetchAll(db, sql: "SELECT * FROM witnessed_heads ORDER BY id").map(Self.entry) }
    }

    /// Appends an accepted head and its cosignature, chained to the previous entry; returns once it is on disk.
    @discardableResult
    public func append(gateway: String, head: SignedTreeHead, cosignature: WitnessCosignature) throws -> WitnessedEntry {
        try write { db in
            let last = try Row.fetchOne(db, sql: "SELECT id, hash FROM witnessed_heads ORDER BY id DESC LIMIT 1")
            let id = (try last?.decode(Int64.self, forColumn: "id") ?? 0) + 1
            let previous = try last?.decode(Data.self, forColumn: "hash") ?? Data(count: 32)
            let hash = Self.entryHash(id: id, previousHash: previous, gateway: gateway, head: head, cosignature: cosignature)
            try db.execute(sql: """
                INSERT INTO witnessed_heads (id, gateway, key_sha256, tree_size, root_hash, time_ms, algorithm, signature,
                    witness, witness_key_sha256, witness_algorithm, witnessed_ms, cosignature, prev_hash, hash)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [id, gateway, head.keySHA256, head.treeSize, head.rootHash, head.timeMillis, head.algorithm,
                                 head.signature, cosignature.witness, cosignature.keySHA256, cosignature.algorithm,
                                 cosignature.witnessedMillis, cosignature.signature, previous, hash])
            return WitnessedEntry(id: id, gateway: gateway, head: head, cosignature: cosignature, previousHash: previous, hash: hash)
        }
    }

    /// Keeps a refused head as evidence (append-only), with the reason; returns once it is on disk.
    public func recordRefusal(gateway: String, head: SignedTreeHead, reason: String, now: Date) throws {
        try write { db in
            try db.execute(sql: """
                INSERT INTO refused_heads (gateway, key_sha256, tree_size, root_hash, time_ms, algorithm, signature, reason, refused_ms)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [gateway, head.keySHA256, head.treeSize, head.rootHash, head.timeMillis, head.algorithm,
                                 head.signature, reason, Int64(now.timeIntervalSince1970 * 1000)])
        }
    }

    /// How many refused heads are kept, per reason.
    public func refusalCounts() throws -> [String: Int] {
        try read { db in
            var counts: [String: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT reason, COUNT(*) AS n FROM refused_heads GROUP BY reason") {
                counts[try row.decode(String.self, forColumn: "reason")] = try row.decode(Int.self, forColumn: "n")
            }
            return counts
        }
    }

    /// Checks the triggers and every entry's chain link and hash; throws ``WitnessLedgerError/broken`` at the first fault.
    public func verify() throws {
        let triggers = try read { db in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'trigger'") }
        for name in Self.triggerNames where !triggers.contains(name) {
            throw WitnessLedgerError.broken(entry: 0, reason: "trigger \(name) is missing")
        }
        var expectedId: Int64 = 1
        var previous = Data(count: 32)
        for entry in try allEntries() {
            guard entry.id == expectedId else {
                throw WitnessLedgerError.broken(entry: expectedId, reason: "entry \(expectedId) is missing (next is \(entry.id))")
            }
            guard entry.previousHash == previous else {
                throw WitnessLedgerError.broken(entry: entry.id, reason: "its previous hash is not the hash of entry \(entry.id - 1)")
            }
            let hash = Self.entryHash(id: entry.id, previousHash: previous, gateway: entry.gateway, head: entry.head,
                                      cosignature: entry.cosignature)
            guard entry.hash == hash else {
                throw WitnessLedgerError.broken(entry: entry.id, reason: "its content does not match its hash")
            }
            previous = hash
            expectedId += 1
        }
    }

    /// SHA-256("KPWITNESSLOG1" ‖ previousHash ‖ u64be(id) ‖ SHA-256(gateway) ‖ head.message ‖ SHA-256(algorithm) ‖
    /// SHA-256(head signature) ‖ cosigned message ‖ witness key SHA-256 ‖ SHA-256(cosignature)).
    public static func entryHash(id: Int64, previousHash: Data, gateway: String, head: SignedTreeHead,
                                 cosignature: WitnessCosignature) -> Data {
        var hasher = SHA256()
        hasher.update(data: Data("KPWITNESSLOG1".utf8))
        hasher.update(data: previousHash)
        withUnsafeBytes(of: UInt64(bitPattern: id).bigEndian) { hasher.update(bufferPointer: $0) }
        hasher.update(data: Data(SHA256.hash(data: Data(gateway.utf8))))
        hasher.update(data: head.message)
        hasher.update(data: Data(SHA256.hash(data: Data(head.algorithm.utf8))))
        hasher.update(data: Data(SHA256.hash(data: head.signature)))
        hasher.update(data: WitnessCosignature.message(for: head, witnessedMillis: cosignature.witnessedMillis))
        hasher.update(data: cosignature.keySHA256)
        hasher.update(data: Data(SHA256.hash(data: cosignature.signature)))
        return Data(hasher.finalize())
    }

    private static let triggerNames = ["witnessed_heads_no_update", "witnessed_heads_no_delete",
                                       "refused_heads_no_update", "refused_heads_no_delete"]

    private static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("w1-witnessed-and-refused-heads") { db in
            try db.execute(sql: """
                CREATE TABLE witnessed_heads (
                    id INTEGER PRIMARY KEY NOT NULL,
                    gateway TEXT NOT NULL,
                    key_sha256 BLOB NOT NULL,
                    tree_size INTEGER NOT NULL,
                    root_hash BLOB NOT NULL,
                    time_ms INTEGER NOT NULL,
                    algorithm TEXT NOT NULL,
                    signature BLOB NOT NULL,
                    witness TEXT NOT NULL,
                    witness_key_sha256 BLOB NOT NULL,
                    witness_algorithm TEXT NOT NULL,
                    witnessed_ms INTEGER NOT NULL,
                    cosignature BLOB NOT NULL,
                    prev_hash BLOB NOT NULL,
                    hash BLOB NOT NULL
                );
                CREATE INDEX witnessed_heads_key_size ON witnessed_heads(key_sha256, tree_size);
                CREATE TRIGGER witnessed_heads_no_update BEFORE UPDATE ON witnessed_heads BEGIN
                    SELECT RAISE(ABORT, 'witnessed heads are append-only');
                END;
                CREATE TRIGGER witnessed_heads_no_delete BEFORE DELETE ON witnessed_heads BEGIN
                    SELECT RAISE(ABORT, 'witnessed heads are append-only');
                END;
                CREATE TABLE refused_heads (
                    id INTEGER PRIMARY KEY NOT NULL,
                    gateway TEXT NOT NULL,
                    key_sha256 BLOB NOT NULL,
                    tree_size INTEGER NOT NULL,
                    root_hash BLOB NOT NULL,
                    time_ms INTEGER NOT NULL,
                    algorithm TEXT NOT NULL,
                    signature BLOB NOT NULL,
                    reason TEXT NOT NULL,
                    refused_ms INTEGER NOT NULL
                );
                CREATE TRIGGER refused_heads_no_update BEFORE UPDATE ON refused_heads BEGIN
                    SELECT RAISE(ABORT, 'refused heads are append-only');
                END;
                CREATE TRIGGER refused_heads_no_delete BEFORE DELETE ON refused_heads BEGIN
                    SELECT RAISE(ABORT, 'refused heads are append-only');
                END;
                """)
        }
        return migrator
    }

    private static func entry(_ row: Row) throws -> WitnessedEntry {
        let head = SignedTreeHead(
            treeSize: try row.decode(Int64.self, forColumn: "tree_size"), rootHash: try row.decode(Data.self, forColumn: "root_hash"),
            timeMillis: try row.decode(Int64.self, forColumn: "time_ms"), keySHA256: try row.decode(Data.self, forColumn: "key_sha256"),
            algorithm: try row.decode(String.self, forColumn: "algorithm"), signature: try row.decode(Data.self, forColumn: "signature"))
        let cosignature = WitnessCosignature(
            witness: try row.decode(String.self, forColumn: "witness"),
            keySHA256: try row.decode(Data.self, forColumn: "witness_key_sha256"),
            algorithm: try row.decode(String.self, forColumn: "witness_algorithm"),
            witnessedMillis: try row.decode(Int64.self, forColumn: "witnessed_ms"),
            signature: try row.decode(Data.self, forColumn: "cosignature"))
        return WitnessedEntry(
            id: try row.decode(Int64.self, forColumn: "id"), gateway: try row.decode(String.self, forColumn: "gateway"),
            head: head, cosignature: cosignature, previousHash: try row.decode(Data.self, forColumn: "prev_hash"),
            hash: try row.decode(Data.self, forColumn: "hash"))
    }

    private func read<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try pool.read(body) } catch { throw WitnessLedgerError.database("\(error)") }
    }

    private func write<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try pool.write(body) } catch { throw WitnessLedgerError.database("\(error)") }
    }
}
