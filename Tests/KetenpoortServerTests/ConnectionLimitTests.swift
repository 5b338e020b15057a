import AsyncHTTPClient
import Foundation
import Hummingbird
import KetenpoortServer
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import XCTest

/// The listener's limits hold against hostile peers: connections that never handshake, never finish a header or a body,
/// idle kept-alive connections, connection floods from one address, and forged certificates.
final class ConnectionLimitTests: XCTestCase {
    /// A server with `limits` answering `POST /echo`; returns its port, logs and metrics.
    private func withServer(_ limits: ConnectionLimits,
                            _ body: (_ port: Int, _ logs: CapturedLogs, _ metrics: GatewayMetrics) async throws -> Void) async throws {
        let router = Router(context: PeerRequestContext.self)
        router.post("/echo") { request, _ -> String in
            let body = try await request.body.collect(upTo: 1 << 16)
            return "got \(body.readableBytes)"
        }
        let logs = CapturedLogs()
        let metrics = GatewayMetrics()
        let bound = BoundPort()
        let application = try makeMutualTLSServer(
            router: router, host: "127.0.0.1", port: 0, tls: try PartnerTestPKI.tlsFiles("shn"), logger: logs.logger(),
            serverName: "test", limits: limits,
            observer: ConnectionObserver(listener: "test", logger: logs.logger(), metrics: metrics),
            onServerRunning: { port in await bound.resolve(port) })
        let task = Task { try await application.run() }
        do {
            try await body(try await bound.wait(), logs, metrics)
        } catch {
            task.cancel()
            _ = await task.result
            throw error
        }
        task.cancel()
        _ = await task.result
    }

    func testAConnectionThatNeverStartsTLSIsClosedAfterTheHandshakeTimeout() async throws {
        try await withServer(ConnectionLimits(handshakeTimeoutSeconds: 0.5)) { port, logs, metrics in
            let socket = try RawTCP(port: port)
            XCTAssertTrue(socket.closedByServer(within: 10), "an idle TCP connection must be closed by the handshake deadline")
            XCTAssertTrue(logs.lines.contains { $0.contains("connection timed out") && $0.contains("handshake-timeout") && $0.contains("127.0.0.1") })
            XCTAssertTrue(String(decoding: metrics.render(), as: UTF8.self)
                .contains(#"ketenpoort_connection_timeouts_total{listener="test",phase="handshake"} 1"#))
        }
    }

    func testThreeHundredIdleConnectionsFromOneAddressHoldOnlyThePerPeerLimitAndOthersAreStillServed() async throws {
        try await withServer(ConnectionLimits(handshakeTimeoutSeconds: 60, maxConnections: 100, maxConnectionsPerPeer: 8)) { port, logs, _ in
            var flood: [RawTCP] = []
            for _ in 0..<300 { flood.append(try RawTCP(port: port, source: "127.0.0.3")) }
            let open = RawTCP.stillOpen(flood, expecting: 8, within: 15)
            XCTAssertEqual(open, 8, "all but the per-peer limit of 8 must be closed at once")
            XCTAssertTrue(logs.lines.contains { $0.contains("connection refused") && $0.contains("max-connections-per-peer") })
            // Another organisation (another address) is still served while the flood is held open.
            let answer = try await MutualTLSPost.post(Data("abc".utf8), to: "https://127.0.0.1:\(port)/echo",
                                                      tls: try PartnerTestPKI.tlsFiles("politie-rotterdam"), contentType: "application/xml")
            XCTAssertEqual(answer.status, 200)
            withExtendedLifetime(flood) {}
        }
    }

    func testTheTotalLimitRefusesConnectionsBeyondIt() async throws {
        try await withServer(ConnectionLimits(handshakeTimeoutSeconds: 60, maxConnections: 5, maxConnectionsPerPeer: 5)) { port, logs, _ in
            var held: [RawTCP] = []
            for index in 0..<6 { held.append(try RawTCP(port: port, source: "127.0.0.\(10 + index)")) }
            XCTAssertEqual(RawTCP.stillOpen(held, expecting: 5, within: 15), 5, "exactly one connection over the total limit is closed")
            XCTAssertTrue(logs.lines.contains { $0.contains("connection refused") && $0.contains("reason=max-connections") })
            XCTAssertEqual(RawTCP.stillOpen(held, expecting: 0, within: 0.3), 5, "the admitted five stay open")
        }
    }

    func testHalfAHeaderIsClosedAfterTheHeaderTimeout() async throws {
        try await withServer(ConnectionLimits(headerTimeoutSeconds: 0.5, idleTimeoutSeconds: 30)) { port, logs, _ in
            let client = try await TLSTestClient.connect(port: port)
            try await client.send("POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Le")
            let closed = try await client.closed(within: 10)
            XCTAssertTrue(closed)
            XCTAssertTrue(logs.lines.contains { $0.contains("header-timeout") })
        }
    }

    func testASlowBodyIsClosedAfterTheBodyTimeout() async throws {
        try await withServer(ConnectionLimits(headerTimeoutSeconds: 30, bodyTimeoutSeconds: 0.5, idleTimeoutSeconds: 30)) { port, logs, _ in
            let client = try await TLSTestClient.connect(port: port)
            try await client.send("POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100\r\n\r\n0123456789")
            let closed = try await client.closed(within: 10)
            XCTAssertTrue(closed)
            XCTAssertTrue(logs.lines.contains { $0.contains("body-timeout") })
        }
    }

    func testAKeptAliveConnectionIsClosedAfterTheIdleTimeoutButNotDuringARequest() async throws {
        try await withServer(ConnectionLimits(headerTimeoutSeconds: 30, idleTimeoutSeconds: 0.5)) { port, logs, _ in
            let client = try await TLSTestClient.connect(port: port)
            try await client.send("POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: 3\r\n\r\nabc")
            let answer = try await client.readUntil("got 3", within: 10)
            XCTAssertTrue(answer.hasPrefix("HTTP/1.1 200"), answer)
            let closed = try await client.closed(within: 10)
            XCTAssertTrue(closed)
            XCTAssertTrue(logs.lines.contains { $0.contains("idle-timeout") })
        }
    }

    func testARefusedHandshakeIsLoggedAndCountedWithoutCertificateContent() async throws {
        try await withServer(.standard) { port, logs, metrics in
            let rogue = try TLSPolicy.client(try PartnerTestPKI.untrustedClient.get())
            do {
                _ = try await PartnerClient.post(Data(), port: port, tls: rogue)
                XCTFail("a certificate from an unknown CA must not get through")
            } catch {}
            let deadline = Date().addingTimeInterval(10)
            while Date() < deadline, !logs.lines.contains(where: { $0.contains("TLS handshake refused") }) {
                try await Task.sleep(for: .milliseconds(20))
            }
            let line = try XCTUnwrap(logs.lines.first { $0.contains("TLS handshake refused") })
            XCTAssertTrue(line.contains("peer=127.0.0.1"), line)
            XCTAssertFalse(line.contains("Rogue"), "no certificate content in the log: \(line)")
            XCTAssertTrue(String(decoding: metrics.render(), as: UTF8.self).contains("ketenpoort_tls_handshake_failures_total{listener=\"test\""))
        }
    }

    func testLimitsAreCheckedWithTheKeyNamed() {
        let problems = ConnectionLimits(handshakeTimeoutSeconds: 0, maxConnections: 4, maxConnectionsPerPeer: 10)
            .problems(prefix: "intake.limits")
        XCTAssertTrue(problems.contains { $0.hasPrefix("intake.limits.handshakeTimeoutSeconds:") }, "\(problems)")
        XCTAssertTrue(problems.contains { $0.hasPrefix("intake.limits.maxConnectionsPerPeer:") }, "\(problems)")
        XCTAssertTrue(ConnectionLimits.standard.problems(prefix: "intake.limits").isEmpty)
    }

    func testTheOpenFileLimitIsRaisedToTheHardLimit() throws {
        let before = try XCTUnwrap(FileDescriptorLimit.current())
        let after = try XCTUnwrap(FileDescriptorLimit.raise())
        XCTAssertGreaterThanOrEqual(after, before.soft)
        XCTAssertEqual(after, min(before.hard, max(before.soft, 65_536)))
    }
}

/// A TLS client on raw NIO that can send half a request and see when the server closes the connection.
final class TLSTestClient: @unchecked Sendable {
    let channel: any Channel
    private let received: ReceivedBytes

    private init(channel: any Channel, received: ReceivedBytes) {
        self.channel = channel
        self.received = received
    }

    /// Connects with `tls` (default: Politie Rotterdam of the partner tests' PKI) and completes the handshake.
    static func connect(port: Int, tls: TLSFiles? = nil) async throws -> TLSTestClient {
        let context = try NIOSSLContext(configuration: try TLSPolicy.client(try tls ?? PartnerTestPKI.tlsFiles("politie-rotterdam")))
        let received = ReceivedBytes()
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: context, serverHostname: "localhost"))
                    try channel.pipeline.syncOperations.addHandler(received)
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        return TLSTestClient(channel: channel, received: received)
    }

    /// Writes text (the handshake completes first).
    func send(_ text: String) async throws {
        try await channel.writeAndFlush(ByteBuffer(string: text)).get()
    }

    /// Whether the server closed the connection within `seconds`.
    func closed(within seconds: Double) async throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if !channel.isActive { return true }
            try await Task.sleep(for: .milliseconds(20))
        }
        return !channel.isActive
    }

    /// What the server sent once it contains `marker`, or what arrived by the deadline.
    func readUntil(_ marker: String, within seconds: Double) async throws -> String {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline, !received.text.contains(marker) {
            try await Task.sleep(for: .milliseconds(20))
        }
        return received.text
    }
}

/// Collects what the server sends.
final class ReceivedBytes: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    private let lock = NSLock()
    private var bytes: [UInt8] = []

    var text: String { lock.withLock { String(decoding: bytes, as: UTF8.self) } }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        lock.withLock { bytes += buffer.readableBytesView }
    }
}
