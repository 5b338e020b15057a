import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Tells systemd (a `Type=notify` service) that the gateway is ready, alive, or stopping: the sd_notify protocol,
/// datagrams to `$NOTIFY_SOCKET`, without libsystemd.
public struct SystemdNotifier: Sendable {
    /// The socket path; a leading `@` means an abstract socket.
    public let socketPath: String
    /// How often to send `WATCHDOG=1` (half of `$WATCHDOG_USEC`), or nil when systemd set no watchdog.
    public let watchdogInterval: Duration?

    /// A notifier for `socketPath`, pinging the watchdog every `watchdogInterval` if given.
    public init(socketPath: String, watchdogInterval: Duration?) {
        self.socketPath = socketPath
        self.watchdogInterval = watchdogInterval
    }

    /// The notifier systemd asked for through the environment, or nil when not run under `Type=notify`.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment,
                                       processID: Int32 = getpid()) -> SystemdNotifier? {
        guard let path = environment["NOTIFY_SOCKET"], path.hasPrefix("/") || path.hasPrefix("@") else { return nil }
        var interval: Duration?
        // WATCHDOG_PID, when set, names the one process the watchdog is meant for.
        let watchdogIsOurs = environment["WATCHDOG_PID"].map { Int32($0) == processID } ?? true
        if watchdogIsOurs, let text = environment["WATCHDOG_USEC"], let microseconds = Int64(text), microseconds > 0 {
            interval = .microseconds(microseconds / 2)
        }
        return SystemdNotifier(socketPath: path, watchdogInterval: interval)
    }

    /// Sends one notification, e.g. `READY=1`; returns whether the datagram was sent (systemd may be gone).
    @discardableResult
    public func send(_ state: String) -> Bool {
        let descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var pathBytes = Array(socketPath.utf8)
        if pathBytes.first == UInt8(ascii: "@") { pathBytes[0] = 0 }  // abstract namespace
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard pathBytes.count < capacity else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            buffer.copyBytes(from: pathBytes)
        }
        // An abstract address is exactly as long as its name; a path address includes its terminating zero.
        let length = MemoryLayout<sa_family_t>.size + pathBytes.count + (pathBytes.first == 0 ? 0 : 1)
        let message = Array(state.utf8)
        let sent = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                sendto(descriptor, message, message.count, Int32(MSG_NOSIGNAL), socketAddress, socklen_t(length))
            }
        }
        return sent == message.count
    }

    /// Follows a running gateway until cancelled: `READY=1` once the intake and admin listeners are bound (the store
    /// is open before `Gateway` exists), `WATCHDOG=1` every `watchdogInterval`, `STOPPING=1` on SIGTERM or SIGINT.
    public func follow(_ gateway: Gateway) async {
        await withTaskGroup(of: Void.self) { group in
            if let watchdogInterval {
                group.addTask {
                    while !Task.isCancelled {
                        send("WATCHDOG=1")
                        try? await Task.sleep(for: watchdogInterval)
                    }
                }
            }
            guard let intake = try? await gateway.intakePort.wait(timeout: .seconds(3600)),
                  let admin = try? await gateway.adminPort.wait(timeout: .seconds(3600)) else {
                group.cancelAll()
                return
            }
            send("READY=1\nSTATUS=intake on port \(intake), admin on port \(admin)")
            // Watched from here on, next to the gateway's service group, which handles the signal (graceful shutdown).
            let signals = ShutdownSignalWatcher { [self] in _ = send("STOPPING=1") }
            defer { signals.cancel() }
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(3600))
            }
            group.cancelAll()
        }
    }
}

/// Runs an action when SIGTERM or SIGINT arrives, next to (not instead of) the gateway's own graceful shutdown.
final class ShutdownSignalWatcher {
    private let sources: [any DispatchSourceSignal]

    /// Starts watching; `action` runs on every such signal.
    init(action: @escaping @Sendable () -> Void) {
        let queue = DispatchQueue(label: "ketenpoort.systemd-signals")
        sources = [SIGTERM, SIGINT].map { number in
            // As ServiceLifecycle does on Linux: libdispatch takes the signal over; no signal() disposition here.
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler(handler: action)
            source.resume()
            return source
        }
    }

    /// Stops watching.
    func cancel() {
        sources.forEach { $0.cancel() }
    }
}
