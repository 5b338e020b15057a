import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The gateway process that holds a state directory's lock, found from outside it (for `ketenpoort reload`).
public enum RunningGatewayProcess {
    /// The process id recorded in the state directory's `gateway.lock`, when a gateway holds that lock now; nil when
    /// none does (the lock is free, or the file is absent or records no id).
    public static func holder(stateDirectory: String) -> pid_t? {
        let path = (stateDirectory as NSString).appendingPathComponent(StateDirectoryLock.fileName)
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        // A shared lock we can take means no gateway holds the exclusive one.
        if flock(fd, LOCK_SH | LOCK_NB) == 0 {
            flock(fd, LOCK_UN)
            return nil
        }
        var bytes = [UInt8](repeating: 0, count: 32)
        let count = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        let text = String(decoding: bytes.prefix(count), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let pid = pid_t(text), pid > 0 else { return nil }
        return pid
    }
}
