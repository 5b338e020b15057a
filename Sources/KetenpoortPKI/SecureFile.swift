import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes files with an exact permission mode, so that private keys are never readable by others.
public enum SecureFile {
    /// Replaces `path` with `text`, creating the file with `mode` (e.g. 0o600) from the start.
    public static func write(_ text: String, to path: String, mode: mode_t) throws {
        if unlink(path) != 0 && errno != ENOENT {
            throw PKIError.unwritableFile(path: path, reason: String(cString: strerror(errno)))
        }
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else {
            throw PKIError.unwritableFile(path: path, reason: String(cString: strerror(errno)))
        }
        defer { close(fd) }
        guard fchmod(fd, mode) == 0 else {
            throw PKIError.unwritableFile(path: path, reason: String(cString: strerror(errno)))
        }
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { posixWrite(fd, $0) }
            if written < 0 {
                if errno == EINTR { continue }
                throw PKIError.unwritableFile(path: path, reason: String(cString: strerror(errno)))
            }
            offset += written
        }
        guard fsync(fd) == 0 else {
            throw PKIError.unwritableFile(path: path, reason: String(cString: strerror(errno)))
        }
    }

    /// The permission bits of a file (e.g. 0o600), or an error naming the file.
    public static func mode(of path: String) throws -> mode_t {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw PKIError.unreadableFile(path: path, reason: String(cString: strerror(errno)))
        }
        return info.st_mode & 0o7777
    }

    /// Reads a whole file as bytes, with an error naming the file.
    public static func read(_ path: String) throws -> [UInt8] {
        do {
            return Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw PKIError.unreadableFile(path: path, reason: error.localizedDescription)
        }
    }
}

/// Calls the POSIX `write(2)` (outside `SecureFile`, whose own `write` would shadow it).
private func posixWrite(_ fd: Int32, _ buffer: UnsafeRawBufferPointer) -> Int {
    write(fd, buffer.baseAddress, buffer.count)
}
