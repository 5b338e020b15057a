import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a file so that it is either absent or complete and on disk: temp file, fsync, rename, fsync directory.
enum AtomicFileWriter {
    /// A failed system call, naming the call and the file (never the content).
    struct Failure: Error, Sendable, CustomStringConvertible {
        /// The system call, e.g. `fsync`.
        let call: String
        /// The file or directory.
        let path: String
        /// `errno` at the time.
        let code: Int32

        /// `call(path) failed: reason`.
        var description: String { "\(call)(\(path)) failed: \(String(cString: strerror(code)))" }
    }

    /// Writes `bytes` to `directory/name`, replacing nothing half-written on a crash.
    static func write(_ bytes: Data, to directory: String, name: String) throws {
        let target = (directory as NSString).appendingPathComponent(name)
        let temporary = (directory as NSString).appendingPathComponent(".\(name).\(UUID().uuidString.lowercased()).tmp")
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw Failure(call: "open", path: temporary, code: errno) }
        var closed = false
        defer {
            if !closed { close(fd) }
        }
        do {
            try writeAll(bytes, to: fd, path: temporary)
            guard fsync(fd) == 0 else { throw Failure(call: "fsync", path: temporary, code: errno) }
            closed = true
            guard close(fd) == 0 else { throw Failure(call: "close", path: temporary, code: errno) }
            guard rename(temporary, target) == 0 else { throw Failure(call: "rename", path: target, code: errno) }
        } catch {
            unlink(temporary)
            throw error
        }
        try syncDirectory(directory)
    }

    /// Creates the directory (and parents) if needed.
    static func ensureDirectory(_ path: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        } catch {
            throw Failure(call: "mkdir", path: path, code: errno)
        }
    }

    /// Creates the directory if needed and removes the temporary files of writes that a crash interrupted
    /// (`.<name>.<uuid>.tmp`, never renamed into place); returns how many it removed.
    @discardableResult
    static func prepareDirectory(_ path: String) throws -> Int {
        try ensureDirectory(path)
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: path)
        } catch {
            throw Failure(call: "opendir", path: path, code: errno)
        }
        var removed = 0
        for name in names where isUnfinishedWrite(name) {
            let file = (path as NSString).appendingPathComponent(name)
            guard unlink(file) == 0 || errno == ENOENT else { throw Failure(call: "unlink", path: file, code: errno) }
            removed += 1
        }
        return removed
    }

    /// Whether `name` is the temporary file of a write that never completed.
    static func isUnfinishedWrite(_ name: String) -> Bool {
        name.hasPrefix(".") && name.hasSuffix(".tmp")
    }

    private static func writeAll(_ bytes: Data, to fd: Int32, path: String) throws {
        try bytes.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            guard let base = raw.baseAddress else { return }
            var offset = 0
            while offset < raw.count {
                let written = systemWrite(fd, base + offset, raw.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw Failure(call: "write", path: path, code: errno)
                }
                offset += written
            }
        }
    }

    private static func syncDirectory(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw Failure(call: "open", path: path, code: errno) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw Failure(call: "fsync", path: path, code: errno) }
    }

    private static func systemWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
        #if canImport(Glibc)
        Glibc.write(fd, buffer, count)
        #else
        Darwin.write(fd, buffer, count)
        #endif
    }
}
