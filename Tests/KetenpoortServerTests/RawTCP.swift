import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A plain TCP socket for hostile-peer tests: connects from a chosen loopback source address and waits for the
/// server to close it.
final class RawTCP {
    let fd: Int32

    /// Connects to 127.0.0.1:`port` from `source` (another loopback address, so the peer is a distinct address).
    init(port: Int, source: String = "127.0.0.1") throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw HarnessError("socket() failed: \(errno)") }
        var local = sockaddr_in()
        local.sin_family = sa_family_t(AF_INET)
        local.sin_port = 0
        inet_pton(AF_INET, source, &local.sin_addr)
        var remote = sockaddr_in()
        remote.sin_family = sa_family_t(AF_INET)
        remote.sin_port = in_port_t(UInt16(port).bigEndian)
        inet_pton(AF_INET, "127.0.0.1", &remote.sin_addr)
        let bound = withUnsafePointer(to: &local) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { close(fd); throw HarnessError("bind(\(source)) failed: \(errno)") }
        let connected = withUnsafePointer(to: &remote) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { close(fd); throw HarnessError("connect failed: \(errno)") }
    }

    deinit {
        close(fd)
    }

    /// Sends bytes as they are.
    func send(_ text: String) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// How many of `sockets` are still open once only `expecting` are, or when `seconds` have passed.
    static func stillOpen(_ sockets: [RawTCP], expecting: Int, within seconds: Double) -> Int {
        var open = Array(sockets.indices)
        let deadline = Date().addingTimeInterval(seconds)
        repeat {
            open.removeAll { sockets[$0].closedByServer(within: 0.001) }
        } while open.count > expecting && Date() < deadline
        return open.count
    }

    /// Whether the server closed the connection within `seconds` (reads and discards anything it sends first).
    func closedByServer(within seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        var buffer = [UInt8](repeating: 0, count: 4096)
        while Date() < deadline {
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let waitMillis = Int32(max(1, deadline.timeIntervalSinceNow * 1000))
            let ready = poll(&poller, 1, waitMillis)
            if ready <= 0 { continue }
            let count = recv(fd, &buffer, buffer.count, 0)
            if count == 0 { return true }
            if count < 0 { return errno == ECONNRESET }
        }
        return false
    }
}
