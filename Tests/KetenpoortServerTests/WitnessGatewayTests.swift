import Foundation
import KetenpoortPKI
import KetenpoortServer
import KetenpoortStore
import KetenpoortTesting
import XCTest

/// The gateway pushing its signed tree heads to a real witness on loopback, and `audit verify --witness` finding a
/// truncated or rebuilt audit tree afterwards.
final class WitnessGatewayTests: XCTestCase {
    func testTheGatewaysHeadsReachTheWitnessAndAreCosigned() async throws {
        let witness = try await RunningWitness.start()
        let gateway = try await GatewayWithWitness.start(witnessURL: witness.url)
        try await gateway.appendRecords(5, tag: "first")
        let signed = try await gateway.checkpoint()
        let head = try XCTUnwrap(signed)
        let stored = try await gateway.waitForCosignature(size: 5)
        XCTAssertEqual(stored.head, head)
        XCTAssertTrue(stored.cosignature.isValid(for: head, with: try WitnessTestKeys.witnessVerifier()))
        XCTAssertEqual(stored.cosignature.witness, "test-witness")

        // The next head is pushed with a consistency proof from size 5 and cosigned as well.
        try await gateway.appendRecords(4, tag: "second")
        let signedNext = try await gateway.checkpoint()
        let next = try XCTUnwrap(signedNext)
        let second = try await gateway.waitForCosignature(size: 9)
        XCTAssertEqual(second.head, next)
        let client = try WitnessTestKeys.gatewayClient(witness)
        let held = try await client.latest(keySHA256: next.keySHA256)
        await client.shutdown()
        XCTAssertEqual(held?.head, next)

        let metrics = String(decoding: gateway.gateway.metrics.render(), as: UTF8.self)
        XCTAssertTrue(metricLine(metrics, "ketenpoort_witness_size", #"witness="w1""#, value: "9.0") ||
                      metricLine(metrics, "ketenpoort_witness_size", #"witness="w1""#, value: "9"), metrics)
        XCTAssertTrue(metricLine(metrics, "ketenpoort_witnessed_quorum", "", value: "1.0") ||
                      metricLine(metrics, "ketenpoort_witnessed_quorum", "", value: "1"), metrics)

        // `audit status` shows the witnessed size per witness.
        let status = try await runKetenpoort(["audit", "status", "--state-dir", gateway.stateDirectory, "--json"])
        XCTAssertEqual(status.status, 0, status.output)
        XCTAssertTrue(status.output.contains(#""witness" : "w1""#) && status.output.contains(#""witnessed_size" : 9"#), status.output)
        try await gateway.stop()
        try await witness.stop()
    }

    func testTheHeadSignedAtShutdownReachesTheWitness() async throws {
        let witness = try await RunningWitness.start()
        let gateway = try await GatewayWithWitness.start(witnessURL: witness.url)
        try await gateway.appendRecords(4, tag: "last")
        try await gateway.stop()
        let client = try WitnessTestKeys.gatewayClient(witness)
        let held = try await client.latest(keySHA256: try WitnessTestKeys.gatewaySigner().keySHA256)
        await client.shutdown()
        XCTAssertEqual(held?.head.treeSize, 4, "the shutdown checkpoint was pushed before the gateway stopped")
        try await witness.stop()
    }

    func testAnUnreachableWitnessIsAnAlertButNeverStopsIntake() async throws {
        let gateway = try await GatewayWithWitness.start(witnessURL: "https://localhost:9", maxAgeSeconds: 1)
        try await gateway.appendRecords(2, tag: "alone")
        let signed = try await gateway.checkpoint()
        let head = try XCTUnwrap(signed)
        try await waitUntil("the head is reported as not witnessed in time", timeout: 30) {
            gateway.logs.lines.contains { $0.hasPrefix("error") && $0.contains("not witnessed in time") && $0.contains("tree_size=\(head.treeSize)") }
        }
        let metrics = String(decoding: gateway.gateway.metrics.render(), as: UTF8.self)
        XCTAssertTrue(metricLine(metrics, "ketenpoort_witnessed_quorum", "", value: "0.0") ||
                      metricLine(metrics, "ketenpoort_witnessed_quorum", "", value: "0"), metrics)
        // Intake goes on: a message is accepted while no witness is reachable.
        let pki = try GatewayTestPKI.get()
        let client = try IntakeClient(tls: try GatewayTestPKI.tls(pki, "politie-rotterdam"))
        let answer = try await client.post(try GatewayExamples.zorgmelding(), port: gateway.intakePort)
        await client.shutdown()
        XCTAssertEqual(answer.status, 202, answer.body)
        try await gateway.stop()
    }

    func testOneOfTwoWitnessesDownStillMeetsAQuorumOfOne() async throws {
        let witness = try await RunningWitness.start()
        let gateway = try await GatewayWithWitness.start(witnessURL: witness.url, maxAgeSeconds: 1,
                                                         extraWitness: "https://localhost:9")
        try await gateway.appendRecords(3, tag: "two")
        _ = try await gateway.checkpoint()
        _ = try await gateway.waitForCosignature(size: 3)
        try await waitUntil("the unreachable witness has waited past maxAgeSeconds") {
            let metrics = String(decoding: gateway.gateway.metrics.render(), as: UTF8.self)
            return metrics.split(separator: "\n").contains { line in
                line.hasPrefix("ketenpoort_witness_age_seconds{") && line.contains(#"witness="w2""#)
                    && (Double(line.split(separator: " ").last ?? "") ?? 0) > 1
            }
        }
        let metrics = String(decoding: gateway.gateway.metrics.render(), as: UTF8.self)
        XCTAssertTrue(metricLine(metrics, "ketenpoort_witnessed_quorum", "", value: "1.0"), metrics)
        XCTAssertTrue(metricLine(metrics, "ketenpoort_witness_age_seconds", #"witness="w1""#, value: "0.0"), metrics)
        XCTAssertFalse(gateway.logs.lines.contains { $0.contains("not witnessed in time") }, "\(gateway.logs.lines)")
        try await gateway.stop()
        try await witness.stop()
    }

    func testTailTruncationAndContinuedOperationAreFoundByVerifyWitness() async throws {
        let witness = try await RunningWitness.start()
        let state = FileManager.default.temporaryDirectory.appendingPathComponent("kp-gw-state-\(UUID().uuidString)").path
        var gateway = try await GatewayWithWitness.start(witnessURL: witness.url, stateDirectory: state)
        try await gateway.appendRecords(6, tag: "kept")
        _ = try await gateway.checkpoint()
        try await gateway.appendRecords(4, tag: "removed")
        _ = try await gateway.checkpoint()
        _ = try await gateway.waitForCosignature(size: 10)
        try await gateway.stop()

        // Someone on the gateway host removes the last four records and the head over them, and hides the traces.
        let database = state + "/" + SQLiteStore.databaseFileName
        let truncated = try SQLiteShell.run(database, """
            DROP TRIGGER audit_no_delete; DROP TRIGGER checkpoints_no_delete;
            DELETE FROM audit WHERE seq > 6; DELETE FROM audit_checkpoints WHERE seq > 6;
            CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END;
            CREATE TRIGGER checkpoints_no_delete BEFORE DELETE ON audit_checkpoints BEGIN SELECT RAISE(ABORT, 'checkpoints are append-only'); END;
            """)
        XCTAssertEqual(truncated.status, 0, truncated.output)

        // The gateway runs on and signs a head over the shortened tree; the witness refuses it.
        gateway = try await GatewayWithWitness.start(witnessURL: witness.url, stateDirectory: state)
        try await gateway.appendRecords(2, tag: "after")
        let signedShort = try await gateway.checkpoint()
        let shortened = try XCTUnwrap(signedShort)
        XCTAssertEqual(shortened.treeSize, 8)
        try await waitUntil("the witness refuses the shortened tree's head") {
            gateway.logs.lines.contains { $0.contains("the witness refused the gateway's tree head") && $0.contains("reason=older") }
        }
        XCTAssertTrue(witness.logs.lines.contains { $0.hasPrefix("error") && $0.contains("reason=older") }, "\(witness.logs.lines)")
        try await gateway.stop()

        // The local chain verifies on its own; compared with the witness it is truncated.
        let signing = try gateway.signingCertificate()
        let alone = try await runKetenpoort(["audit", "verify", "--state-dir", state, "--cert", signing])
        XCTAssertEqual(alone.status, 0, alone.output)
        let verified = try await runKetenpoort(["audit", "verify", "--state-dir", state, "--cert", signing] + (try witnessOptions(witness)))
        XCTAssertEqual(verified.status, 1, verified.output)
        XCTAssertTrue(verified.output.contains("truncated: first missing size 9"), verified.output)
        try await witness.stop()
    }

    func testAChainRebuiltAndResignedWithTheGatewayKeyIsRefusedAndFound() async throws {
        let witness = try await RunningWitness.start()
        let state = FileManager.default.temporaryDirectory.appendingPathComponent("kp-gw-state-\(UUID().uuidString)").path
        var gateway = try await GatewayWithWitness.start(witnessURL: witness.url, stateDirectory: state)
        try await gateway.appendRecords(10, tag: "original")
        _ = try await gateway.checkpoint()
        _ = try await gateway.waitForCosignature(size: 10)
        try await gateway.stop()

        // Someone with the gateway's signing key builds another history of 12 records and signs it.
        let forged = FileManager.default.temporaryDirectory.appendingPathComponent("kp-forged-\(UUID().uuidString)").path
        let rebuilt = try SQLiteStore.open(stateDirectory: forged)
        for index in 1...12 {
            try await rebuilt.record(event: .payloadRead, messageId: "FORGED-\(index)", partner: "", actor: .system, detail: "rebuilt", now: Date())
        }
        _ = try await rebuilt.checkpoint(signer: try WitnessTestKeys.gatewaySigner(), now: Date())
        try rebuilt.close()
        for file in StateDirectoryFiles.databaseFiles(in: state) { try? FileManager.default.removeItem(atPath: file) }
        for file in StateDirectoryFiles.databaseFiles(in: forged) where FileManager.default.fileExists(atPath: file) {
            try FileManager.default.copyItem(atPath: file, toPath: state + "/" + (file as NSString).lastPathComponent)
        }

        gateway = try await GatewayWithWitness.start(witnessURL: witness.url, stateDirectory: state)
        try await waitUntil("the witness refuses the rebuilt tree's head") {
            gateway.logs.lines.contains { $0.contains("the witness refused the gateway's tree head") && $0.contains("reason=inconsistent") }
        }
        try await gateway.stop()
        let client = try WitnessTestKeys.gatewayClient(witness)
        let held = try await client.latest(keySHA256: try WitnessTestKeys.gatewaySigner().keySHA256)
        await client.shutdown()
        XCTAssertEqual(held?.head.treeSize, 10, "the witness still holds the original head")

        let signing = try gateway.signingCertificate()
        let alone = try await runKetenpoort(["audit", "verify", "--state-dir", state, "--cert", signing])
        XCTAssertEqual(alone.status, 0, "the rebuilt chain verifies on its own: \(alone.output)")
        let verified = try await runKetenpoort(["audit", "verify", "--state-dir", state, "--cert", signing] + (try witnessOptions(witness)))
        XCTAssertEqual(verified.status, 1, verified.output)
        XCTAssertTrue(verified.output.contains("rewritten: the local tree's root at size 10"), verified.output)
        try await witness.stop()
    }

    private func witnessOptions(_ witness: RunningWitness) throws -> [String] {
        let tls = try GatewayTestPKI.tls(try GatewayTestPKI.get(), "gateway")
        return ["--witness", witness.url, "--tls-cert", tls.certificate, "--tls-key", tls.privateKey, "--tls-ca", tls.trustedCAs[0]]
    }

    private func metricLine(_ text: String, _ name: String, _ label: String, value: String) -> Bool {
        text.split(separator: "\n").contains { line in
            (line.hasPrefix(name + "{") || line.hasPrefix(name + " ")) && (label.isEmpty || line.contains(label)) && line.hasSuffix(" " + value)
        }
    }
}

extension SoftwareCheckpointSigner {
    /// SHA-256 of the public key (a head's `keySHA256`).
    var keySHA256: Data { Data(hexString: keyFingerprint) ?? Data() }
}

/// Runs the built `ketenpoort` binary; stdout and stderr together.
func runKetenpoort(_ arguments: [String]) async throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = try GatewayProcess.binary()
    process.arguments = arguments
    let file = FileManager.default.temporaryDirectory.appendingPathComponent("kp-cli-\(UUID().uuidString).out")
    _ = FileManager.default.createFile(atPath: file.path, contents: nil)
    defer { try? FileManager.default.removeItem(at: file) }
    let handle = try FileHandle(forWritingTo: file)
    process.standardOutput = handle
    process.standardError = handle
    let status: Int32 = try await withCheckedThrowingContinuation { continuation in
        process.terminationHandler = { finished in continuation.resume(returning: finished.terminationStatus) }
        do { try process.run() } catch { continuation.resume(throwing: error) }
    }
    try handle.close()
    return (status, String(decoding: try Data(contentsOf: file), as: UTF8.self))
}

/// A gateway on loopback whose `witnesses` section names one witness (`w1`), pushing every 0.2 s.
final class GatewayWithWitness: @unchecked Sendable {
    let gateway: Gateway
    let logs: CapturedLogs
    let stateDirectory: String
    let intakePort: Int
    private let task: Task<Void, any Error>

    private init(gateway: Gateway, logs: CapturedLogs, stateDirectory: String, intakePort: Int, task: Task<Void, any Error>) {
        self.gateway = gateway
        self.logs = logs
        self.stateDirectory = stateDirectory
        self.intakePort = intakePort
        self.task = task
    }

    static func start(witnessURL: String, stateDirectory: String? = nil, maxAgeSeconds: Int = 60,
                      extraWitness: String? = nil) async throws -> GatewayWithWitness {
        let state = stateDirectory ?? FileManager.default.temporaryDirectory.appendingPathComponent("kp-gw-state-\(UUID().uuidString)").path
        var configuration = try RunningGateway.makeConfiguration(
            partners: ["vt-rotterdam-rijnmond": "https://localhost:9/v1/berichten"], stateDirectory: state,
            retry: .init(initialDelaySeconds: 30, maxDelaySeconds: 60, maxAgeHours: 1, jitter: 0.1))
        configuration.witnesses = WitnessPolicy(
            required: 1, list: [.init(name: "w1", url: witnessURL, cosignerCertificate: try WitnessTestKeys.witnessCertificate())],
            maxAgeSeconds: maxAgeSeconds, pushIntervalSeconds: 0.2)
        if let extraWitness {
            configuration.witnesses?.list.append(.init(name: "w2", url: extraWitness, cosignerCertificate: try WitnessTestKeys.witnessCertificate()))
        }
        let logs = CapturedLogs()
        let gateway = try Gateway(configuration: configuration, logger: logs.logger(label: "gateway"))
        let task = Task { try await gateway.run(handleSignals: false) }
        let port = try await gateway.intakePort.wait()
        return GatewayWithWitness(gateway: gateway, logs: logs, stateDirectory: state, intakePort: port, task: task)
    }

    /// Appends `count` audit records (as an operator's payload reads would).
    func appendRecords(_ count: Int, tag: String) async throws {
        for index in 1...count {
            try await gateway.store.record(event: .payloadRead, messageId: "\(tag)-\(index)", partner: "", actor: .operator("tester"),
                                           detail: "test", now: Date())
        }
    }

    /// Signs a tree head now, as the checkpoint service does; the head signed.
    func checkpoint() async throws -> SignedTreeHead? {
        _ = try await gateway.store.checkpoint(signer: try WitnessTestKeys.gatewaySigner(), now: Date())
        return try await gateway.store.latestTreeHead()
    }

    /// Waits until the store holds w1's cosignature of a head of `size`.
    func waitForCosignature(size: Int64) async throws -> StoredCosignature {
        let store = gateway.store
        var found: StoredCosignature?
        try await waitUntil("witness w1 cosigns size \(size)") {
            found = try await store.latestCosignatures().first { $0.witness == "w1" && $0.head.treeSize == size }
            return found != nil
        }
        return try XCTUnwrap(found)
    }

    /// The gateway signing certificate file.
    func signingCertificate() throws -> String {
        gateway.configuration.signing.certificate
    }

    func stop() async throws {
        await gateway.stop()
        _ = try? await task.value
    }
}
