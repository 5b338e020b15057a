import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Keeps the state directory at mode 0700 and the database files at 0600, whatever the umask.
public enum StateDirectoryFiles {
    /// A mode that was too open and has been tightened.
    public struct Repair: Sendable, Equatable, CustomStringConvertible {
        /// The file or directory.
        public let path: String
        /// Its permission bits before.
        public let from: mode_t
        /// Its permission bits now.
        public let to: mode_t

        /// `path: mode 755 → 700`.
        public var description: String {
            "\(path): mode \(String(from, radix: 8)) → \(String(to, radix: 8))"
        }
    }

    /// The mode of the state directory.
    public static let directoryMode: mode_t = 0o700
    /// The mode of the database file, its `-wal` and `-shm`, and the lock file.
    public static let fileMode: mode_t = 0o600

    /// The database file and its companions, as paths inside `directory`.
    public static func databaseFiles(in directory: String) -> [String] {
        let database = (directory as NSString).appendingPathComponent(SQLiteStore.databaseFileName)
        return [database, database + "-wal", database + "-shm"]
    }

    /// Creates `directory` (mode 0700) if absent, then tightens it and the database files that exist; returns each change.
    public static func secure(_ directory: String) throws -> [Repair] {
        do {
            try FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: directoryMode])
        } catch {
            throw StoreError.database("cannot create state directory \(directory): \(error.localizedDescription)")
        }
        var repairs: [Repair] = []
        if let repair = try tighten(directory, to: directoryMode) { repairs.append(repair) }
        for file in databaseFiles(in: directory) where FileManager.default.fileExists(atPath: file) {
            if let repair = try tighten(file, to: fileMode) { repairs.append(repair) }
        }
        return repairs
    }

    /// Creates an empty database file with mode 0600 unless it exists; SQLite gives `-wal` and `-shm` the same mode.
    static func createDatabaseFile(_ path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, fileMode)
        if fd < 0 {
            if errno == EEXIST { return }
            throw StoreError.database("cannot create \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        guard fchmod(fd, fileMode) == 0 else {
            throw StoreError.database("cannot set the mode of \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// Removes group and other bits from `path`; nil if there were none.
    private static func tighten(_ path: String, to mode: mode_t) throws -> Repair? {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw StoreError.database("cannot read the mode of \(path): \(String(cString: strerror(errno)))")
        }
        let current = info.st_mode & 0o7777
        guard current & 0o077 != 0 else { return nil }
        guard chmod(path, mode) == 0 else {
            throw StoreError.database(
                "\(path) is readable by others (mode \(String(current, radix: 8))) and cannot be changed to "
                    + "\(String(mode, radix: 8)): \(String(cString: strerror(errno)))")
        }
        return Repair(path: path, from: current, to: mode)
    }
}
