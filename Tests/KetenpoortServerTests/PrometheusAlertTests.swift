import AsyncHTTPClient
import Foundation
import NIOCore
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// The alert rules and the dashboard in deploy/: checked and unit-tested by `promtool`, and fired by a real `prometheus`
/// scraping a real gateway.
final class PrometheusAlertTests: XCTestCase {
    private static let deploy = GatewayExamples.repository.appendingPathComponent("deploy")
    private static let rules = deploy.appendingPathComponent("prometheus/ketenpoort-rules.yml")
    private static let ruleTests = deploy.appendingPathComponent("prometheus/ketenpoort-rules.test.yml")
    private static let dashboard = deploy.appendingPathComponent("grafana/ketenpoort-dashboard.json")

    func testPromtoolCheckRulesAcceptsTheRules() throws {
        let result = try PrometheusTools.run("promtool", ["check", "rules", Self.rules.path])
        XCTAssertEqual(result.status, 0, result.output)
        XCTAssertTrue(result.output.contains("SUCCESS: \(try AlertRuleFile.load(Self.rules).count) rules found"), result.output)
    }

    func testPromtoolUnitTestsOfEveryRulePass() throws {
        let result = try PrometheusTools.run("promtool", ["test", "rules", Self.ruleTests.lastPathComponent],
                                             in: Self.ruleTests.deletingLastPathComponent())
        XCTAssertEqual(result.status, 0, result.output)
        XCTAssertTrue(result.output.contains("SUCCESS"), result.output)
    }

    func testEveryAlertHasAFiringAndAQuietUnitTest() throws {
        let alerts = try AlertRuleFile.load(Self.rules)
        XCTAssertGreaterThanOrEqual(alerts.count, 11)
        let tests = try String(contentsOf: Self.ruleTests, encoding: .utf8)
        for alert in alerts {
            let quiet = try NSRegularExpression(pattern: "alertname: \(alert.name)\\n\\s+exp_alerts: \\[\\]")
            let firing = try NSRegularExpression(pattern: "alertname: \(alert.name)\\n\\s+exp_alerts:\\n\\s+- exp_labels:")
            let range = NSRange(tests.startIndex..., in: tests)
            XCTAssertNotNil(quiet.firstMatch(in: tests, range: range), "\(alert.name) has no unit test where it stays quiet")
            XCTAssertNotNil(firing.firstMatch(in: tests, range: range), "\(alert.name) has no unit test where it fires")
        }
    }

    func testEveryAlertExpressionIsShownOnTheDashboard() throws {
        let alerts = try AlertRuleFile.load(Self.rules)
        let queries = try DashboardFile.queries(Self.dashboard)
        XCTAssertFalse(queries.isEmpty)
        for alert in alerts {
            XCTAssertTrue(queries.contains { alert.expression.contains($0) },
                          "no dashboard query is part of \(alert.name)'s expression \(alert.expression)")
        }
        for needed in ["ketenpoort_queue_deliveries", "ketenpoort_queue_oldest_age_seconds", "ketenpoort_intake_total",
                       "ketenpoort_delivery_attempts_total", "ketenpoort_delivery_latency_seconds_bucket"] {
            XCTAssertTrue(queries.contains { $0.contains(needed) }, "the dashboard shows no \(needed)")
        }
    }

    func testPrometheusFiresPartnerStuckWhileThePartnerIsDownAndResolvesWhenItReturns() async throws {
        let first = try await RunningPartner.start("vt-rotterdam-rijnmond")
        let partnerPort = first.port
        let inbox = first.inbox
        await first.stop()
        let gateway = try await RunningGateway.start(partners: ["vt-rotterdam-rijnmond": "https://localhost:\(partnerPort)/v1/berichten"])
        let client = try IntakeClient(tls: GatewayTestPKI.tls(try GatewayTestPKI.get(), "politie-rotterdam"))
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        var prometheus: RunningPrometheus?
        var partner: RunningPartner?
        do {
            // The real rules, with the stuck threshold at 2 s and 1 s pending so the test sees it within seconds.
            let rules = try AlertRuleFile.shortened(Self.rules, alert: "KetenpoortPartnerStuck",
                                                    replacing: [("> 900", "> 2"), ("for: 5m", "for: 1s")])
            let running = try RunningPrometheus.start(rules: rules, target: "127.0.0.1:\(gateway.adminPort)")
            prometheus = running
            let id = UUID().uuidString.lowercased()
            let posted = try await client.post(try GatewayExamples.zorgmelding(id: id), port: gateway.port)
            XCTAssertEqual(posted.status, 202, posted.body)

            try await eventually(60) { try await running.alertState(http, "KetenpoortPartnerStuck", partner: "vt-rotterdam-rijnmond") == "firing" }
            let scrape = try await running.get(http, "http://127.0.0.1:\(gateway.adminPort)/metrics")
            XCTAssertFalse(scrape.contains(id), "a message id is in the metrics")
            XCTAssertTrue(scrape.contains("ketenpoort_delivery_attempts_total{partner=\"vt-rotterdam-rijnmond\",outcome=\"failed\"} 0"), scrape)
            // The accepted message's audit records wait for the hourly checkpoint: their age is reported.
            let unsigned = scrape.split(separator: "\n").first { $0.hasPrefix("ketenpoort_audit_unsigned_age_seconds ") }
            XCTAssertGreaterThan(Double(unsigned?.split(separator: " ").last ?? "") ?? 0, 0, scrape)
            for query in try DashboardFile.queries(Self.dashboard) {
                let answer = try await running.get(http, running.url("/api/v1/query", ["query": query]))
                XCTAssertTrue(answer.contains("\"status\":\"success\""), "Prometheus refused the dashboard query \(query): \(answer)")
            }

            partner = try await RunningPartner.start("vt-rotterdam-rijnmond", port: partnerPort, inbox: inbox)
            try await eventually(30) { try await gateway.gateway.store.status(messageId: id)?.deliveries.first?.state == .delivered }
            try await eventually(60) { try await running.alertState(http, "KetenpoortPartnerStuck", partner: "vt-rotterdam-rijnmond") == nil }
        } catch {
            XCTFail("\(error)\n\(prometheus?.logTail() ?? "")")
        }
        if let prometheus { try? await prometheus.stop() }
        try? await http.shutdown()
        await client.shutdown()
        try await gateway.stop()
        await partner?.stop()
    }
}

/// Finds and runs the Prometheus binaries; a missing binary fails the test (install them with scripts/install-deps).
enum PrometheusTools {
    /// The path of `name` on PATH (or /usr/bin), or a failure that says how to install it.
    static func executable(_ name: String) throws -> URL {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        for directory in path.split(separator: ":").map(String.init) + ["/usr/bin", "/usr/local/bin"] {
            let candidate = URL(fileURLWithPath: directory).appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        throw HarnessError("\(name) is not installed: run scripts/install-deps (Debian package prometheus)")
    }

    /// Runs `name arguments` to completion (at most 60 s) and returns its exit status and combined output.
    static func run(_ name: String, _ arguments: [String], in directory: URL? = nil) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = try executable(name)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}

/// The alerts of a Prometheus rule file whose expressions are written on one line each.
struct AlertRuleFile {
    let name: String
    let expression: String

    /// Every alert with its expression, in file order.
    static func load(_ file: URL) throws -> [AlertRuleFile] {
        var alerts: [AlertRuleFile] = []
        var name: String?
        for line in try String(contentsOf: file, encoding: .utf8).split(separator: "\n") {
            let text = line.trimmingCharacters(in: .whitespaces)
            if text.hasPrefix("- alert: ") {
                name = String(text.dropFirst("- alert: ".count))
            } else if text.hasPrefix("expr: "), let current = name {
                alerts.append(AlertRuleFile(name: current, expression: String(text.dropFirst("expr: ".count))))
                name = nil
            }
        }
        return alerts
    }

    /// The rule file's text with `replacing` applied inside one alert's block only; each replacement must match.
    static func shortened(_ file: URL, alert: String, replacing: [(String, String)]) throws -> String {
        let text = try String(contentsOf: file, encoding: .utf8)
        guard let start = text.range(of: "- alert: \(alert)\n") else { throw HarnessError("no alert \(alert) in \(file.path)") }
        let end = text.range(of: "- alert: ", range: start.upperBound..<text.endIndex)?.lowerBound ?? text.endIndex
        var block = String(text[start.lowerBound..<end])
        for (old, new) in replacing {
            guard block.contains(old) else { throw HarnessError("\(alert) has no \(old) to shorten") }
            block = block.replacingOccurrences(of: old, with: new)
        }
        return text.replacingCharacters(in: start.lowerBound..<end, with: block)
    }
}

/// The queries of a Grafana dashboard file.
enum DashboardFile {
    /// Every target expression of every panel.
    static func queries(_ file: URL) throws -> [String] {
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: file))
        guard let panels = (json as? [String: Any])?["panels"] as? [[String: Any]] else { throw HarnessError("no panels in \(file.path)") }
        return panels.flatMap { panel in ((panel["targets"] as? [[String: Any]]) ?? []).compactMap { $0["expr"] as? String } }
    }
}

/// A real `prometheus` server in its own temporary directory, scraping one target every second.
final class RunningPrometheus: @unchecked Sendable {
    private let process: Process
    private let directory: URL
    private let log: URL
    let port: Int

    private init(process: Process, directory: URL, log: URL, port: Int) {
        self.process = process
        self.directory = directory
        self.log = log
        self.port = port
    }

    /// Starts prometheus on a free loopback port with `rules`, scraping and evaluating every second.
    static func start(rules: String, target: String) throws -> RunningPrometheus {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kp-prometheus-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try rules.write(to: directory.appendingPathComponent("rules.yml"), atomically: true, encoding: .utf8)
        let configuration = """
            global:
              scrape_interval: 1s
              scrape_timeout: 1s
              evaluation_interval: 1s
            rule_files:
              - rules.yml
            scrape_configs:
              - job_name: ketenpoort
                static_configs:
                  - targets: ['\(target)']
            """
        try configuration.write(to: directory.appendingPathComponent("prometheus.yml"), atomically: true, encoding: .utf8)
        let port = try freePort()
        let log = directory.appendingPathComponent("prometheus.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let process = Process()
        process.executableURL = try PrometheusTools.executable("prometheus")
        process.currentDirectoryURL = directory
        process.arguments = ["--config.file", directory.appendingPathComponent("prometheus.yml").path,
                             "--storage.tsdb.path", directory.appendingPathComponent("data").path,
                             "--web.listen-address", "127.0.0.1:\(port)"]
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        return RunningPrometheus(process: process, directory: directory, log: log, port: port)
    }

    /// The URL of `path` on this server with `query` parameters.
    func url(_ path: String, _ query: [String: String] = [:]) -> String {
        var components = URLComponents(string: "http://127.0.0.1:\(port)\(path)")
        components?.queryItems = query.isEmpty ? nil : query.map { URLQueryItem(name: $0.key, value: $0.value) }
        // `+` is a literal in query items but a space to Prometheus's form parser.
        return (components?.string ?? "").replacingOccurrences(of: "+", with: "%2B")
    }

    /// The body of a GET, failing on anything but 200.
    func get(_ http: HTTPClient, _ url: String) async throws -> String {
        let response = try await http.execute(HTTPClientRequest(url: url), timeout: .seconds(5))
        let body = String(buffer: try await response.body.collect(upTo: 4 << 20))
        guard response.status == .ok else { throw HarnessError("GET \(url): \(response.status) \(body)") }
        return body
    }

    /// The state (pending, firing) of the alert `name` for `partner` in /api/v1/alerts, or nil when it is not active.
    func alertState(_ http: HTTPClient, _ name: String, partner: String) async throws -> String? {
        guard process.isRunning else { throw HarnessError("prometheus exited: \(logTail())") }
        guard let body = try? await get(http, url("/api/v1/alerts")) else { return "unreachable" }
        let json = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]
        let alerts = ((json?["data"] as? [String: Any])?["alerts"] as? [[String: Any]]) ?? []
        return alerts.first { alert in
            let labels = alert["labels"] as? [String: String]
            return labels?["alertname"] == name && labels?["partner"] == partner
        }?["state"] as? String
    }

    /// The last lines prometheus wrote.
    func logTail() -> String {
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        return "prometheus log:\n" + text.split(separator: "\n").suffix(20).joined(separator: "\n")
    }

    /// A loopback TCP port that was free a moment ago (bound to port 0, then closed).
    static func freePort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw HarnessError("socket() failed") }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) { pointer -> Bool in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress -> Bool in
                bind(descriptor, socketAddress, length) == 0 && getsockname(descriptor, socketAddress, &length) == 0
            }
        }
        guard named else { throw HarnessError("could not bind a loopback port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Sends SIGTERM and waits up to 20 s, then kills it; removes its directory.
    func stop() async throws {
        process.terminate()
        let deadline = Date().addingTimeInterval(20)
        while process.isRunning && Date() < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        defer { try? FileManager.default.removeItem(at: directory) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw HarnessError("prometheus did not stop within 20 s after SIGTERM")
        }
    }
}
