import AsyncHTTPClient
import Foundation
import Hummingbird
import KetenpoortServer
import Logging
import NIOCore
import XCTest

/// deploy/haproxy/haproxy.cfg: `haproxy -c` accepts it, and a real haproxy running it sends intake connections only to
/// nodes whose admin `/healthz` answers 200, and to any node when none does.
final class HAProxyConfigTests: XCTestCase {
    private static let configuration = GatewayExamples.repository.appendingPathComponent("deploy/haproxy/haproxy.cfg")

    func testHAProxyAcceptsTheExampleConfiguration() throws {
        let result = try PrometheusTools.run("haproxy", ["-c", "-f", Self.configuration.path])
        XCTAssertEqual(result.status, 0, result.output)
        XCTAssertTrue(result.output.contains("Configuration file is valid"), result.output)
    }

    func testHAProxyRefusesABrokenCopySoTheCheckAboveMeansSomething() throws {
        let broken = try String(contentsOf: Self.configuration, encoding: .utf8)
            .replacingOccurrences(of: "default_backend ketenpoort_any", with: "default_backend ketenpoort_missing")
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("kp-haproxy-\(UUID().uuidString).cfg")
        try broken.write(to: file, atomically: true, encoding: .utf8)
        addTeardownBlock { try? FileManager.default.removeItem(at: file) }
        let result = try PrometheusTools.run("haproxy", ["-c", "-f", file.path])
        XCTAssertNotEqual(result.status, 0, result.output)
    }

    func testTheConfigurationPassesTCPOnPort8443ToThreeNodesCheckedOnTheAdminHealthEndpoint() throws {
        let text = try String(contentsOf: Self.configuration, encoding: .utf8)
        XCTAssertTrue(text.contains("    mode tcp\n"))
        XCTAssertTrue(text.contains("    bind :8443\n"))
        XCTAssertTrue(text.contains("http-check send meth GET uri /healthz"))
        XCTAssertTrue(text.contains("check port 9464"))
        let servers = text.split(separator: "\n").filter { $0.trimmingCharacters(in: .whitespaces).hasPrefix("server ") }
        XCTAssertEqual(servers.count, 6, "three nodes in each of the two backends")
        XCTAssertEqual(Set(servers.map { $0.split(separator: " ", omittingEmptySubsequences: true)[2] }).count, 3)
    }

    func testConnectionsGoOnlyToHealthyNodesAndToAnyNodeWhenNoneIsHealthy() async throws {
        var nodes: [FakeNode] = []
        for name in ["node1", "node2", "node3"] { nodes.append(try await FakeNode.start(name)) }
        let balancer = try RunningHAProxy.start(Self.configuration, nodes: nodes.map(\.port))
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        do {
            try await eventually(20) { try await balancer.serverStates(http, backend: "ketenpoort_healthy").values.allSatisfy { $0 == "UP" } }
            let all = try await balancer.answeringNodes(http, connections: 30)
            XCTAssertEqual(all, ["node1", "node2", "node3"], "leastconn spreads new connections over every healthy node")

            nodes[1].health.set(healthy: false)  // node2 cannot reach the database: /healthz answers 503
            try await eventually(20) { try await balancer.serverStates(http, backend: "ketenpoort_healthy")["node2"] == "DOWN" }
            let withoutNode2 = try await balancer.answeringNodes(http, connections: 30)
            XCTAssertEqual(withoutNode2, ["node1", "node3"])

            nodes[0].health.set(healthy: false)  // the database itself is down: no node is healthy
            nodes[2].health.set(healthy: false)
            try await eventually(20) { try await balancer.serverStates(http, backend: "ketenpoort_healthy").values.allSatisfy { $0 == "DOWN" } }
            let noneHealthy = try await balancer.answeringNodes(http, connections: 30)
            XCTAssertEqual(noneHealthy, ["node1", "node2", "node3"], "with no healthy node every node still answers (it says 503 itself)")
        } catch {
            XCTFail("\(error)\n\(balancer.logTail())")
        }
        try await http.shutdown()
        balancer.stop()
        for node in nodes { await node.stop() }
    }
}

/// Whether a fake node's `/healthz` answers 200 or 503.
final class FakeNodeHealth: @unchecked Sendable {
    private let lock = NSLock()
    private var healthy = true

    /// Sets the answer of `/healthz`.
    func set(healthy: Bool) { lock.withLock { self.healthy = healthy } }

    /// The current answer.
    var isHealthy: Bool { lock.withLock { healthy } }
}

/// A stand-in for one gateway node on loopback: `/node` names it (through the balancer) and `/healthz` (the admin check)
/// answers as its health says. Intake and admin share one plain HTTP port here; the balancer only passes TCP.
struct FakeNode {
    let name: String
    let port: Int
    let health: FakeNodeHealth
    private let task: Task<Void, any Error>

    static func start(_ name: String) async throws -> FakeNode {
        let health = FakeNodeHealth()
        let router = Router()
        router.get("/node") { _, _ in name }
        router.get("/healthz") { _, _ -> Response in
            Response(status: health.isHealthy ? .ok : .serviceUnavailable, body: ResponseBody(byteBuffer: ByteBuffer(string: "\n")))
        }
        let bound = BoundPort()
        var quiet = Logger(label: "fake-node")
        quiet.logLevel = .critical  // Hummingbird logs cancelled connections as errors when the test stops it
        let application = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                                      onServerRunning: { channel in await bound.resolve(channel.localAddress?.port ?? 0) }, logger: quiet)
        let task = Task { try await application.run() }
        return FakeNode(name: name, port: try await bound.wait(), health: health, task: task)
    }

    func stop() async {
        task.cancel()
        _ = await task.result
    }
}

/// haproxy in the foreground running deploy/haproxy/haproxy.cfg with its node addresses pointed at loopback ports, checks
/// every 100 ms instead of 2 s, no privilege drop or syslog, and a stats page for the test to read server states from.
final class RunningHAProxy: @unchecked Sendable {
    private let process: Process
    private let directory: URL
    private let log: URL
    let intakePort: Int
    let statsPort: Int

    private init(process: Process, directory: URL, log: URL, intakePort: Int, statsPort: Int) {
        self.process = process
        self.directory = directory
        self.log = log
        self.intakePort = intakePort
        self.statsPort = statsPort
    }

    static func start(_ configuration: URL, nodes: [Int]) throws -> RunningHAProxy {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kp-haproxy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let intakePort = try RunningPrometheus.freePort()
        let statsPort = try RunningPrometheus.freePort()
        var text = try String(contentsOf: configuration, encoding: .utf8)
        for (index, port) in nodes.enumerated() {
            text = text.replacingOccurrences(of: "server node\(index + 1) 10.0.1.1\(index + 1):8443",
                                             with: "server node\(index + 1) 127.0.0.1:\(port) port \(port)")
        }
        text = text.replacingOccurrences(of: "bind :8443", with: "bind 127.0.0.1:\(intakePort)")
            .replacingOccurrences(of: "inter 2s", with: "inter 100ms")
        let dropped = ["user ", "group ", "stats socket ", "log /dev/log "]
        text = text.split(separator: "\n", omittingEmptySubsequences: false)
            .filter { line in !dropped.contains { line.trimmingCharacters(in: .whitespaces).hasPrefix($0) } }
            .joined(separator: "\n")
        text += "\nfrontend stats\n    mode http\n    bind 127.0.0.1:\(statsPort)\n    stats enable\n    stats uri /stats\n"
        let lines = text.split(separator: "\n").filter { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("#") }
        guard !lines.contains(where: { $0.contains("10.0.1.") }) else { throw HarnessError("not every node address was replaced") }
        let file = directory.appendingPathComponent("haproxy.cfg")
        try text.write(to: file, atomically: true, encoding: .utf8)
        let log = directory.appendingPathComponent("haproxy.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let process = Process()
        process.executableURL = try PrometheusTools.executable("haproxy")
        process.arguments = ["-db", "-f", file.path]
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        return RunningHAProxy(process: process, directory: directory, log: log, intakePort: intakePort, statsPort: statsPort)
    }

    /// Each server's status (`UP`, `DOWN`, …) in `backend`, from the stats page.
    func serverStates(_ http: HTTPClient, backend: String) async throws -> [String: String] {
        guard process.isRunning else { throw HarnessError("haproxy exited") }
        guard let response = try? await http.execute(HTTPClientRequest(url: "http://127.0.0.1:\(statsPort)/stats;csv"), timeout: .seconds(5))
        else { return [:] }
        let rows = String(buffer: try await response.body.collect(upTo: 1 << 20)).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        guard let header = rows.first, let status = header.firstIndex(of: "status") else { return [:] }
        var states: [String: String] = [:]
        for row in rows.dropFirst() where row.count > status && row[0] == Substring(backend) && !["FRONTEND", "BACKEND"].contains(row[1]) {
            states[String(row[1])] = String(row[status])
        }
        return states
    }

    /// The nodes that answered `connections` requests through the intake frontend, one new connection each.
    func answeringNodes(_ http: HTTPClient, connections: Int) async throws -> Set<String> {
        var names: Set<String> = []
        for _ in 0..<connections {
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(intakePort)/node")
            request.headers.add(name: "Connection", value: "close")
            let response = try await http.execute(request, timeout: .seconds(5))
            names.insert(String(buffer: try await response.body.collect(upTo: 1024)))
        }
        return names
    }

    /// The last lines haproxy wrote.
    func logTail() -> String {
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        return "haproxy log:\n" + text.split(separator: "\n").suffix(20).joined(separator: "\n")
    }

    /// Stops haproxy and removes its directory.
    func stop() {
        process.terminate()
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: directory)
    }
}
