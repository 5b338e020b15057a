import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The exclusive claim of one running gateway on its state directory; the kernel drops it when the process dies.
///
/// Holding it is what makes leases left in the store by an earlier run provably stale: nobody else can be sending them.
/// It is taken before the store is opened, so only its holder creates or migrates the store.
public final class StateDirectoryLock: @unchecked Sendable {
    /// The lock file inside the state directory.
    public static let fileName = "gateway.lock"
    private let guardLock = NSLock()
    private var descriptor: Int32?

    /// Takes the lock, or throws when another gateway holds it or the file cannot be opened.
    public init(directory: String) throws(GatewayStartError) {
        let path = (directory as NSString).appendingPathComponent(Self.fileName)
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .lockFile(path: path, reason: String(cString: strerror(errno))) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            throw .stateDirectoryInUse(directory)
        }
        // The holder's process id, for `ketenpoort reload` (which signals it); read only while the lock is held.
        let pid = Array("\(getpid())\n".utf8)
        if ftruncate(fd, 0) == 0 { _ = pid.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) } }
        descriptor = fd
    }

    /// Gives the lock up now (it is also given up when this object goes away or the process ends).
    public func release() {
        guardLock.lock()
        defer { guardLock.unlock() }
        if let descriptor { close(descriptor) }
        descriptor = nil
    }

    deinit {
        release()
    }
}

/// Why `ketenpoort serve` could not start serving.
public enum GatewayStartError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Another gateway runs on the same state directory.
    case stateDirectoryInUse(String)
    /// The lock file cannot be created or opened.
    case lockFile(path: String, reason: String)

    /// Explanation for operators.
    public var description: String {
        switch self {
        case .stateDirectoryInUse(let directory):
            return "another ketenpoort serve is running on the state directory \(directory) (it holds \(StateDirectoryLock.fileName))"
        case .lockFile(let path, let reason):
            return "cannot open the lock file \(path): \(reason)"
        }
    }
}
