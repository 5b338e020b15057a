import Foundation
import GRDB
import KetenpoortPKI
import KetenpoortServer
import KetenpoortStore
import KetenpoortTesting
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// Start-up and shutdown of the daemon: it never hangs half alive, says in one line why it stopped, takes the state
/// directory's lock before it touches the store, and keeps its files private.
final class GatewayStartupTests: XCTestCase {
    /// A listening TCP socket on 127.0.0.1 that holds `port` until closed.
    private final class PortHolder {
        let port: Int
        private let descriptor: Int32

        init() throws {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw HarnessError("socket failed") }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = 0
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard bound == 0, listen(fd, 4) == 0 else {
                close(fd)
                throw HarnessError("bind/listen failed")
            }
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            _ = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
            }
            descriptor = fd
            port = Int(UInt16(bigEndian: address.sin_port))
        }

        deinit { close(descriptor) }
    }

    private func temporaryDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kp-startup-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: directory) }
        return directory
    }

    private func configuration(in directory: URL) throws -> GatewayConfiguration {
        var configuration = try RunningGateway.makeConfiguration(
            partners: ["vt-rotterdam-rijnmond": "https://localhost:9/v1/berichten"],
            stateDirectory: directory.appendingPathComponent("state").path,
            retry: .init(initialDelaySeconds: 0.3, maxDelaySeconds: 1, maxAgeHours: 1, jitter: 0.1))
        configuration.intake.port = try LoopbackPort.free()
        configuration.admin.port = try LoopbackPort.free()
        configuration.courier.requestTimeoutSeconds = 2
        return configuration
    }

    /// Runs a built gateway until it serves, then stops it (a gateway's HTTP client must be shut down once made).
    private func runAndStop(_ gateway: Gateway) async throws {
        let task = Task { try await gateway.run(handleSignals: false) }
        _ = try await gateway.intakePort.wait()
        await gateway.stop()
        try await task.value
    }

    /// Waits for the process to end by itself; kills it and fails if it is still running after `seconds`.
    private func exitStatus(of gateway: GatewayProcess, within seconds: Double) async throws -> Int32 {
        let deadline = Date().addingTimeInterval(seconds)
        while gateway.process.isRunning && Date() < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        if gateway.process.isRunning {
            gateway.kill9()
            XCTFail("the gateway was still running \(seconds) s later:\n\(gateway.log)")
        }
        return gateway.process.terminationStatus
    }

    func testIntakePortInUseEndsTheProcessWithOneLineNamingTheBind() async throws {
        let directory = try temporaryDirectory()
        let holder = try PortHolder()
        var configuration = try configuration(in: directory)
        configuration.intake.host = "127.0.0.1"
        configuration.intake.port = holder.port
        let gateway = try GatewayProcess(configuration: configuration, directory: directory)
        let status = try await exitStatus(of: gateway, within: 30)
        let log = gateway.log
        XCTAssertNotEqual(status, 0, log)
        let errorLines = log.split(separator: "\n").filter { $0.contains("error") }
        XCTAssertEqual(errorLines.count, 1, "one line says why:\n\(log)")
        let line = String(errorLines.first ?? "")
        XCTAssertTrue(line.contains("intake listener on 127.0.0.1:\(holder.port)"), line)
        XCTAssertTrue(line.contains("Address already in use"), line)
        withExtendedLifetime(holder) {}
    }

    func testSigtermStopsARunningGatewayWithExitZero() async throws {
        let directory = try temporaryDirectory()
        let configuration = try configuration(in: directory)
        let gateway = try GatewayProcess(configuration: configuration, directory: directory)
        try await eventually(30) {
            XCTAssertTrue(gateway.process.isRunning, gateway.log)
            return gateway.log.contains("listening on 127.0.0.1:\(configuration.intake.port)")
        }
        let status = try await gateway.terminate(within: 30)
        XCTAssertEqual(status, 0, gateway.log)
    }

    func testAStopAskedForDuringStartUpIsNotLost() async throws {
        let directory = try temporaryDirectory()
        let gateway = try Gateway(configuration: try configuration(in: directory), logger: CapturedLogs().logger(label: "gateway"))
        // Asked for before the services exist (dev mode's Ctrl-C can come that early); before, it went nowhere.
        await gateway.stop()
        let started = ContinuousClock.now
        let task = Task { try await gateway.run(handleSignals: false) }
        // If the stop were lost, the gateway would serve on; after 30 s it is cancelled so that the test ends.
        let watchdog = Task {
            try await Task.sleep(for: .seconds(30))
            task.cancel()
        }
        _ = try? await task.value
        watchdog.cancel()
        let ended = ContinuousClock.now - started < .seconds(25)
        XCTAssertTrue(ended, "the gateway ran on although stop() was asked for while it started")
    }

    func testCancellingTheTaskThatRunsTheGatewayEndsItAndClosesItsListeners() async throws {
        let directory = try temporaryDirectory()
        let gateway = try Gateway(configuration: try configuration(in: directory), logger: CapturedLogs().logger(label: "gateway"))
        // As a surrounding group does when its graceful shutdown runs out: GatewayService is cancelled, not stopped.
        let task = Task { try await GatewayService(gateway).run() }
        let port = try await gateway.intakePort.wait()
        let adminPort = try await gateway.adminPort.wait()
        XCTAssertTrue(LoopbackPort.isListening(port))
        let started = ContinuousClock.now
        task.cancel()
        let watchdog = Task {
            try await Task.sleep(for: .seconds(30))
            XCTFail("the cancelled gateway was still running 30 s later")
        }
        _ = try? await task.value
        watchdog.cancel()
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(20))
        XCTAssertFalse(LoopbackPort.isListening(port), "the intake listener is closed")
        XCTAssertFalse(LoopbackPort.isListening(adminPort), "the admin listener is closed")
    }

    func testEveryCertificateOfATrustedBundleGetsItsOwnGaugeAlsoWhenTwoShareACommonName() async throws {
        let directory = try temporaryDirectory()
        // Three CAs named alike, as the old and new CA of a rollover are, valid for 10, 20 and 30 days.
        var bundle = ""
        for days in [10, 20, 30] {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
            process.arguments = ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "/dev/null",
                                 "-subj", "/CN=Rollover CA", "-days", "\(days)", "-out", directory.appendingPathComponent("ca-\(days).pem").path]
            process.standardError = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            XCTAssertEqual(process.terminationStatus, 0)
            bundle += try String(contentsOf: directory.appendingPathComponent("ca-\(days).pem"), encoding: .utf8)
        }
        let bundleFile = directory.appendingPathComponent("rollover-bundle.pem")
        try bundle.write(to: bundleFile, atomically: true, encoding: .utf8)
        var configuration = try configuration(in: directory)
        configuration.courier.receiptTrustedCAs.append(bundleFile.path)
        let gateway = try Gateway(configuration: configuration, logger: CapturedLogs().logger(label: "gateway"))
        let task = Task { try await gateway.run(handleSignals: false) }
        let metrics = try await adminText(port: try await gateway.adminPort.wait(), path: "/metrics")
        await gateway.stop()
        try await task.value
        let values = metrics.split(separator: "\n").filter { $0.hasPrefix("ketenpoort_certificate_days_left{certificate=\"receipt-ca-2") }
            .compactMap { $0.split(separator: " ").last.flatMap { Double($0) } }
        XCTAssertEqual(values.sorted(), [9, 19, 29], metrics)
    }

    func testAFailingPartStopsTheWholeGatewayInBoundedTime() async throws {
        let directory = try temporaryDirectory()
        let holder = try PortHolder()
        var configuration = try configuration(in: directory)
        configuration.admin.port = holder.port
        let gateway = try Gateway(configuration: configuration, logger: CapturedLogs().logger(label: "gateway"))
        let started = ContinuousClock.now
        do {
            try await gateway.run(handleSignals: false)
            XCTFail("the gateway ran on although its admin listener could not bind")
        } catch let failure as GatewayPartFailure {
            XCTAssertEqual(failure.part, "admin listener on 127.0.0.1:\(holder.port)")
            XCTAssertTrue(failure.reason.contains("Address already in use"), failure.reason)
        }
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(20))
        withExtendedLifetime(holder) {}
    }

    func testTheLockIsTakenBeforeTheStoreIsOpened() async throws {
        let directory = try temporaryDirectory()
        let configuration = try configuration(in: directory)
        try FileManager.default.createDirectory(atPath: configuration.stateDirectory, withIntermediateDirectories: true)
        let other = try StateDirectoryLock(directory: configuration.stateDirectory)
        XCTAssertThrowsError(try Gateway(configuration: configuration, logger: CapturedLogs().logger())) { error in
            XCTAssertEqual(error as? GatewayStartError, .stateDirectoryInUse(configuration.stateDirectory))
        }
        let database = configuration.stateDirectory + "/" + SQLiteStore.databaseFileName
        XCTAssertFalse(FileManager.default.fileExists(atPath: database), "the store was created without the lock")
        other.release()
        let gateway = try Gateway(configuration: configuration, logger: CapturedLogs().logger())
        XCTAssertTrue(FileManager.default.fileExists(atPath: database))
        try await runAndStop(gateway)
    }

    func testStateDirectoryThatOthersCanReadIsRepairedWithALogLine() async throws {
        let directory = try temporaryDirectory()
        let configuration = try configuration(in: directory)
        try FileManager.default.createDirectory(atPath: configuration.stateDirectory, withIntermediateDirectories: true)
        chmod(configuration.stateDirectory, 0o755)
        let logs = CapturedLogs()
        let gateway = try Gateway(configuration: configuration, logger: logs.logger())
        let mode = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: configuration.stateDirectory)[.posixPermissions] as? Int)
        XCTAssertEqual(mode, 0o700)
        XCTAssertTrue(logs.lines.contains { $0.contains("state directory permissions repaired") && $0.contains("755") },
                      logs.lines.joined(separator: "\n"))
        try await runAndStop(gateway)
    }

    func testASigningKeyOfAnotherCertificateIsRefusedAtStart() throws {
        let directory = try temporaryDirectory()
        var configuration = try configuration(in: directory)
        let pki = try GatewayTestPKI.get()
        let shn = try XCTUnwrap(pki.manifest.party(named: "shn"))
        configuration.signing.privateKey = pki.path(shn.signingKey)
        configuration.intake.tls.privateKey = pki.path(shn.tlsKey)
        let check = ConfigurationCheck(configuration)
        XCTAssertTrue(check.problems.contains { $0.key == "signing.privateKey" && $0.problem.contains("does not belong to") },
                      check.problems.map(\.description).joined(separator: "\n"))
        XCTAssertTrue(check.problems.contains { $0.key == "intake.tls.privateKey" && $0.problem.contains("does not belong to") },
                      check.problems.map(\.description).joined(separator: "\n"))
        XCTAssertFalse(check.problems.contains { $0.key == "courier.tls.privateKey" }, "the matching pair passes")
        XCTAssertThrowsError(try Gateway(configuration: configuration, logger: CapturedLogs().logger()))
    }

    func testRetentionShorterThanTheRetryBudgetIsAProblem() throws {
        let directory = try temporaryDirectory()
        var configuration = try configuration(in: directory)
        configuration.retry.maxAgeHours = 72
        configuration.retentionDays = ["Zorgmelding": 2, "Onbekend": 10]
        let check = ConfigurationCheck(configuration)
        XCTAssertTrue(check.problems.contains { $0.key == "retentionDays.Zorgmelding" && $0.problem.contains("retry.maxAgeHours") },
                      check.problems.map(\.description).joined(separator: "\n"))
        XCTAssertTrue(check.problems.contains { $0.key == "retentionDays.Onbekend" })
        XCTAssertFalse(check.problems.contains { $0.key == "retentionDays.Slachtofferverwijzing" }, "the 90-day default holds")
        let days = Dictionary(uniqueKeysWithValues: ConfigurationCheck.retentionDays(configuration).map { ($0.kind, $0.days) })
        XCTAssertEqual(days, ["Zorgmelding": 2, "Slachtofferverwijzing": 90])
    }
}

/// A background loop that fails stops the gateway instead of ending quietly.
final class GatewayLoopFailureTests: XCTestCase {
    func testAFailingRetentionPurgeStopsTheGateway() async throws {
        let state = FileManager.default.temporaryDirectory.appendingPathComponent("kp-loop-\(UUID().uuidString)").path
        addTeardownBlock { try? FileManager.default.removeItem(atPath: state) }
        // A message past its retention deadline in a store whose purge the database refuses.
        let earlier = try SQLiteStore.open(stateDirectory: state)
        let long = Date().addingTimeInterval(-200 * 86_400)
        _ = try await earlier.accept(IncomingMessage(
            id: UUID().uuidString.lowercased(), kind: "Zorgmelding", senderOIN: "00000099000000000001",
            digest: Data(repeating: 2, count: 32), receivedAt: long, signedAt: long, urgent: false,
            payload: Data("<Zorgmelding/>".utf8), retentionDeadline: long.addingTimeInterval(86_400)),
            recipients: ["vt-rotterdam-rijnmond"])
        try earlier.close()
        let queue = try DatabaseQueue(path: state + "/" + SQLiteStore.databaseFileName)
        try await queue.write { db in
            try db.execute(sql: "CREATE TRIGGER refuse_purge BEFORE UPDATE OF payload ON messages BEGIN SELECT RAISE(ABORT, 'purge refused'); END")
        }
        try queue.close()
        var configuration = try RunningGateway.makeConfiguration(
            partners: ["vt-rotterdam-rijnmond": "https://localhost:9/v1/berichten"], stateDirectory: state,
            retry: .init(initialDelaySeconds: 0.3, maxDelaySeconds: 1, maxAgeHours: 1, jitter: 0.1))
        configuration.courier.requestTimeoutSeconds = 2
        let gateway = try Gateway(configuration: configuration, logger: CapturedLogs().logger())
        do {
            try await gateway.run(handleSignals: false)
            XCTFail("the gateway ran on although its retention purge fails")
        } catch let failure as GatewayPartFailure {
            XCTAssertEqual(failure.part, "retention service")
            XCTAssertTrue(failure.reason.contains("purge refused"), failure.reason)
        }
    }

    func testAFailingCheckpointStopsTheGateway() async throws {
        let state = FileManager.default.temporaryDirectory.appendingPathComponent("kp-loop-\(UUID().uuidString)").path
        addTeardownBlock { try? FileManager.default.removeItem(atPath: state) }
        var configuration = try RunningGateway.makeConfiguration(
            partners: ["vt-rotterdam-rijnmond": "https://localhost:9/v1/berichten"], stateDirectory: state,
            retry: .init(initialDelaySeconds: 0.3, maxDelaySeconds: 1, maxAgeHours: 1, jitter: 0.1))
        configuration.checkpointIntervalSeconds = 1
        configuration.courier.requestTimeoutSeconds = 2
        let gateway = try Gateway(configuration: configuration, logger: CapturedLogs().logger())
        let task = Task { try await gateway.run(handleSignals: false) }
        _ = try await gateway.intakePort.wait()
        // Something new to sign, then a store that can no longer hold checkpoints.
        let now = Date()
        _ = try await gateway.store.accept(IncomingMessage(
            id: UUID().uuidString.lowercased(), kind: "Zorgmelding", senderOIN: "00000099000000000001",
            digest: Data(repeating: 1, count: 32), receivedAt: now, signedAt: now, urgent: false,
            payload: Data("<Zorgmelding/>".utf8), retentionDeadline: now.addingTimeInterval(86_400)),
            recipients: ["vt-rotterdam-rijnmond"])
        // The running gateway writes too (its heads): wait for its lock instead of failing on SQLITE_BUSY.
        var busy = Configuration()
        busy.busyMode = .timeout(10)
        let queue = try DatabaseQueue(path: state + "/" + SQLiteStore.databaseFileName, configuration: busy)
        try await queue.write { db in try db.execute(sql: "DROP TABLE audit_checkpoints") }
        try queue.close()
        let started = ContinuousClock.now
        do {
            try await task.value
            XCTFail("the gateway ran on without checkpoints")
        } catch let failure as GatewayPartFailure {
            XCTAssertEqual(failure.part, "audit checkpoint service")
            XCTAssertTrue(failure.reason.contains("audit_checkpoints"), failure.reason)
        }
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(30))
    }
}
