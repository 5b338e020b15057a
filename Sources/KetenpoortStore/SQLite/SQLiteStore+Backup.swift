import Foundation
import GRDB

/// What ``SQLiteStore/backup(into:)`` wrote.
public struct SQLiteBackupReport: Sendable, Equatable {
    /// The size of the copied database file.
    public var databaseBytes: Int64
    /// How many payload key files were copied (the `active` marker not counted).
    public var payloadKeys: Int
}

extension SQLiteStore {
    /// Copies the database as of one moment, then the payload keys, into `directory`, which must be new or empty
    /// (it is made 0700, the files 0600). It runs beside a working daemon: the copy is one read transaction and
    /// writers go on meanwhile. Keys are copied after the database, so every key the copy refers to is in it.
    public func backup(into directory: String) throws -> SQLiteBackupReport {
        let sourceDirectory = (databasePath as NSString).deletingLastPathComponent
        let existing = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        guard existing.isEmpty else {
            throw StoreError.invalidArgument("the backup directory \(directory) is not empty; name a new or empty directory")
        }
        guard (directory as NSString).standardizingPath != (sourceDirectory as NSString).standardizingPath else {
            throw StoreError.invalidArgument("the backup directory is the state directory itself")
        }
        let created = !FileManager.default.fileExists(atPath: directory)
        do {
            try KeyFile.ensurePrivateDirectory(directory)
            guard chmod(directory, 0o700) == 0 else {
                throw StoreError.database("cannot make \(directory) private (mode 0700): \(String(cString: strerror(errno)))")
            }
            let target = directory + "/" + Self.databaseFileName
            try StateDirectoryFiles.createDatabaseFile(target)
            try copyDatabase(to: target)
            let keys = try copyPayloadKeys(from: sourceDirectory + "/" + Self.keyDirectoryName, to: directory + "/" + Self.keyDirectoryName)
            KeyFile.syncDirectory(directory)
            let size = (try? FileManager.default.attributesOfItem(atPath: target)[.size] as? NSNumber)?.int64Value ?? 0
            return SQLiteBackupReport(databaseBytes: size, payloadKeys: keys)
        } catch {
            // Half a backup is no backup: leave the directory as it was found (absent or empty), so a retry can use it.
            Self.removeBackupFiles(in: directory, removingDirectory: created)
            throw error
        }
    }

    /// Copies the database in one step into the new file at `target`, in WAL mode like the state directory's own.
    private func copyDatabase(to target: String) throws {
        do {
            let copy = try DatabaseQueue(path: target)
            // One step: the whole database under one read lock, so the copy is of one moment even while the daemon writes.
            try pool.backup(to: copy)
            // As the state directory's own file: in WAL mode, so a restored copy opens as the daemon left it.
            _ = try copy.writeWithoutTransaction { db in try String.fetchOne(db, sql: "PRAGMA journal_mode = WAL") }
            try copy.close()
        } catch let error as DatabaseError where error.resultCode == .SQLITE_FULL {
            throw StoreError.database("the file system of \(target) is full")
        } catch {
            throw StoreError.wrap(error)
        }
    }

    /// Removes what a failed backup wrote; the directory too when the backup created it.
    private static func removeBackupFiles(in directory: String, removingDirectory: Bool) {
        let database = directory + "/" + databaseFileName
        for path in [database, database + "-journal", database + "-wal", database + "-shm", directory + "/" + keyDirectoryName] {
            try? FileManager.default.removeItem(atPath: path)
        }
        if removingDirectory { try? FileManager.default.removeItem(atPath: directory) }
    }

    /// Copies the key files (`payload-*.key` and `active`) with mode 0600; returns how many payload keys.
    private func copyPayloadKeys(from source: String, to target: String) throws -> Int {
        guard FileManager.default.fileExists(atPath: source) else { return 0 }
        try KeyFile.ensurePrivateDirectory(target)
        let names = try FileManager.default.contentsOfDirectory(atPath: source).filter {
            ($0.hasPrefix("payload-") && $0.hasSuffix(".key")) || $0 == "active"
        }
        for name in names.sorted() {
            try KeyFile.create(at: target + "/" + name, contents: try KeyFile.read(at: source + "/" + name))
        }
        KeyFile.syncDirectory(target)
        return names.filter { $0 != "active" }.count
    }
}
