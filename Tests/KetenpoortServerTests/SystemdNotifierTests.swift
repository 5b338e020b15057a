import Foundation
import KetenpoortServer
import KetenpoortTesting
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// systemd's side of `Type=notify`: a real datagram socket that a real `ketenpoort serve` process reports to.
final class SystemdNotifierTests: XCTestCase {
    func testReadyAfterTheIntakeListensWatchdogWhileRunningAndStoppingOnSigterm() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kp-sd-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let socket = try NotifySocket(path: directory.appendingPathComponent("notify").path)
        var configuration = try RunningGateway.makeConfiguration(
            partners: ["vt-rotterdam-rijnmond": "https://localhost:\(try LoopbackPort.free())/v1/berichten"], stateDirectory: directory.appendingPathComponent("state").path,
            retry: .init(initialDelaySeconds: 1, maxDelaySeconds: 1, maxAgeHours: 1, jitter: 0))
        configuration.intake.port = try LoopbackPort.free()
        configuration.admin.port = try LoopbackPort.free()

        let gateway = try GatewayProcess(configuration: configuration, directory: directory,
                                         environment: ["NOTIFY_SOCKET": socket.path, "WATCHDOG_USEC": "400000"])
        var received: [String] = []
        let deadline = Date().addingTimeInterval(30)
        while !received.contains(where: { $0.hasPrefix("READY=1") }) {
            if let message = socket.next(timeout: 0.2) {
                received.append(message)
            } else if !gateway.process.isRunning || Date() > deadline {
                gateway.kill9()
                throw HarnessError("no READY=1; got \(received); log: \(gateway.log)")
            }
        }
        let client = try IntakeClient(tls: GatewayTestPKI.tls(try GatewayTestPKI.get(), "politie-rotterdam"))
        // At READY=1 the intake listener accepts connections and answers over mutual TLS, with no retry.
        do {
            let answer = try await client.get("/v1/berichten/00000000-0000-4000-8000-000000000000", port: configuration.intake.port)
            XCTAssertGreaterThanOrEqual(answer.status, 200, answer.body)
        } catch {
            XCTFail("the intake did not answer right after READY=1: \(error)")
        }
        await client.shutdown()
        XCTAssertTrue(received.last?.contains("STATUS=intake on port \(configuration.intake.port)") ?? false, "\(received)")

        // WATCHDOG_USEC=400000: a ping every 0.2 s; wait for two more after READY.
        var pings = 0
        while pings < 2, let message = socket.next(timeout: 5) {
            if message == "WATCHDOG=1" { pings += 1 }
        }
        XCTAssertEqual(pings, 2, "watchdog pings after READY=1")

        let status = try await gateway.terminate()
        XCTAssertEqual(status, 0, gateway.log)
        var afterTerm: [String] = []
        while let message = socket.next(timeout: 0.5) { afterTerm.append(message) }
        XCTAssertTrue(afterTerm.contains("STOPPING=1"), "\(afterTerm)")
    }

    func testNoNotifySocketMeansNoNotifier() {
        XCTAssertNil(SystemdNotifier.fromEnvironment([:]))
        XCTAssertNil(SystemdNotifier.fromEnvironment(["NOTIFY_SOCKET": "relative/path"]))
    }

    func testWatchdogIntervalIsHalfOfWatchdogUsecAndOnlyForTheNamedProcess() {
        let ours = SystemdNotifier.fromEnvironment(["NOTIFY_SOCKET": "/run/x", "WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "42"],
                                                   processID: 42)
        XCTAssertEqual(ours?.watchdogInterval, .seconds(15))
        let another = SystemdNotifier.fromEnvironment(["NOTIFY_SOCKET": "/run/x", "WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "7"],
                                                      processID: 42)
        XCTAssertNotNil(another)
        XCTAssertNil(another?.watchdogInterval)
    }

    func testSendsToAnAbstractSocket() throws {
        let name = "@ketenpoort-test-\(UUID().uuidString.prefix(8))"
        let socket = try NotifySocket(path: name)
        XCTAssertTrue(SystemdNotifier(socketPath: name, watchdogInterval: nil).send("READY=1"))
        XCTAssertEqual(socket.next(timeout: 5), "READY=1")
    }
}

/// A bound Unix datagram socket, as systemd's notify socket.
private final class NotifySocket {
    let path: String
    private let descriptor: Int32

    init(path: String) throws {
        self.path = path
        descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        guard descriptor >= 0 else { throw HarnessError("socket failed") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var bytes = Array(path.utf8)
        if bytes.first == UInt8(ascii: "@") { bytes[0] = 0 }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        let length = MemoryLayout<sa_family_t>.size + bytes.count + (bytes.first == 0 ? 0 : 1)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(length)) }
        }
        guard bound == 0 else { throw HarnessError("bind \(path) failed: errno \(errno)") }
    }

    deinit {
        close(descriptor)
        if path.hasPrefix("/") { unlink(path) }
    }

    /// The next datagram, or nil when none arrives within `timeout` seconds.
    func next(timeout: Double) -> String? {
        var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, Int32(timeout * 1000)) == 1 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = recv(descriptor, &buffer, buffer.count, 0)
        guard count > 0 else { return nil }
        return String(decoding: buffer[0..<count], as: UTF8.self)
    }
}
