import Foundation

/// Reads and writes secret key files: created with mode 0600, refused when group or others may read them.
package enum KeyFile {
    /// Writes `contents` to a new file at `path` with mode 0600 and syncs it; fails if the file exists.
    package static func create(at path: String, contents: Data) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else {
            throw StoreError.keyError("cannot create key file \(path): errno \(errno)")
        }
        defer { close(fd) }
        // The umask cannot widen 0600, but make the mode explicit anyway.
        _ = fchmod(fd, 0o600)
        let written = contents.withUnsafeBytes { buffer -> Int in
            guard let base = buffer.baseAddress else { return 0 }
            return write(fd, base, buffer.count)
        }
        guard written == contents.count, fsync(fd) == 0 else {
            throw StoreError.keyError("cannot write key file \(path): errno \(errno)")
        }
    }

    /// Reads a key file, refusing one that group or others may access.
    package static func read(at path: String) throws -> Data {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw StoreError.keyError("cannot read key file \(path): errno \(errno)")
        }
        guard info.st_mode & 0o077 == 0 else {
            let mode = String(info.st_mode & 0o777, radix: 8)
            throw StoreError.keyError("key file \(path) has mode \(mode); it must be 0600 (owner only)")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw StoreError.keyError("cannot read key file \(path)")
        }
        return data
    }

    /// Creates a directory with mode 0700 if it does not exist.
    package static func ensurePrivateDirectory(_ path: String) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw StoreError.keyError("\(path) is not a directory") }
            return
        }
        do {
            try FileManager.default.createDirectory(
                atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw StoreError.keyError("cannot create key directory \(path): \(error.localizedDescription)")
        }
    }

    /// Syncs a directory so a newly created file's name is durable.
    package static func syncDirectory(_ path: String) {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        close(fd)
    }
}
