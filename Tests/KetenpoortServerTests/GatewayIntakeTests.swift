import AsyncHTTPClient
import Foundation
import KetenpoortCore
import KetenpoortPKI
import KetenpoortServer
import KetenpoortStore
import KetenpoortXML
import NIOSSL
import XCTest

/// Intake over real mutual TLS on loopback: acceptance, refusals, authorisation, idempotency, privacy.
final class GatewayIntakeTests: XCTestCase {
    private var gateway: RunningGateway!
    private var rotterdam: IntakeClient!
    private var amsterdam: IntakeClient!

    override func setUp() async throws {
        let pki = try GatewayTestPKI.get()
        // Partners at a port nobody listens on: deliveries stay queued or deferred, intake is what is tested.
        gateway = try await RunningGateway.start(partners: [
            "vt-rotterdam-rijnmond": "https://localhost:9/v1/berichten", "shn": "https://localhost:9/v1/berichten",
            "vt-amsterdam-amstelland": "https://localhost:9/v1/berichten", "vt-haaglanden": "https://localhost:9/v1/berichten",
        ])
        rotterdam = try IntakeClient(tls: GatewayTestPKI.tls(pki, "politie-rotterdam"))
        amsterdam = try IntakeClient(tls: GatewayTestPKI.tls(pki, "politie-amsterdam"))
    }

    override func tearDown() async throws {
        await rotterdam?.shutdown()
        await amsterdam?.shutdown()
        try await gateway?.stop()
    }

    private func json(_ body: String) throws -> [String: Any] {
        try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
    }

    private func codes(_ body: String) throws -> [String] {
        let findings = try json(body)["findings"] as? [[String: Any]] ?? []
        return findings.compactMap { $0["code"] as? String }
    }

    func testValidZorgmeldingIsAcceptedSignedStoredAndRouted() async throws {
        let id = UUID().uuidString.lowercased()
        let response = try await rotterdam.post(try GatewayExamples.zorgmelding(id: id), port: gateway.port)
        XCTAssertEqual(response.status, 202, response.body)
        let body = try json(response.body)
        XCTAssertEqual(body["messageId"] as? String, id)
        XCTAssertEqual((body["recipients"] as? [[String: Any]])?.compactMap { $0["partner"] as? String }, ["vt-rotterdam-rijnmond"])
        XCTAssertEqual(body["statusUrl"] as? String, "/v1/berichten/\(id)")
        // The answer describes the stored rows as the accept wrote them: queued, no attempt yet, due at receipt.
        let recipient = try XCTUnwrap((body["recipients"] as? [[String: Any]])?.first)
        XCTAssertEqual(recipient["state"] as? String, "queued")
        XCTAssertEqual(recipient["attempts"] as? Int, 0)
        XCTAssertEqual(recipient["nextAttemptAt"] as? String, body["receivedAt"] as? String)
        XCTAssertNil(recipient["lastErrorClass"] as? String)

        let status = try await gateway.gateway.store.status(messageId: id)
        XCTAssertEqual(status?.deliveries.map(\.partner), ["vt-rotterdam-rijnmond"])
        XCTAssertEqual(body["receivedAt"] as? String, status.map { RFC3339.utc($0.message.receivedAt) })
        let value1 = try await gateway.gateway.store.payload(messageId: id)
        let payload = try XCTUnwrap(value1)
        let pki = try GatewayTestPKI.get()
        let verifier = try SignatureVerifier(trustAnchorsFile: URL(fileURLWithPath: pki.path(DevelopmentPKI.caCertificateFile)))
        XCTAssertEqual(try verifier.verify(payload).oin, pki.manifest.party(named: "gateway")?.oin)
        let trail = try await gateway.gateway.store.auditTrail(messageId: id)
        XCTAssertEqual(trail.first?.event, AuditEvent.messageAccepted.rawValue)
    }

    func testSameMessageAgainIsOKAndOtherContentWithTheSameIdIsAConflict() async throws {
        let id = UUID().uuidString.lowercased()
        let message = try GatewayExamples.zorgmelding(id: id)
        let value2 = try await rotterdam.post(message, port: gateway.port).status
        XCTAssertEqual(value2, 202)
        let value3 = try await rotterdam.post(message, port: gateway.port).status
        XCTAssertEqual(value3, 200)
        let changed = try GatewayExamples.zorgmelding(id: id, replacing: [("<AcuutGevaar>false</AcuutGevaar>", "<AcuutGevaar>true</AcuutGevaar>")])
        let conflict = try await rotterdam.post(changed, port: gateway.port)
        XCTAssertEqual(conflict.status, 409, conflict.body)
        let value4 = try await gateway.gateway.store.status(messageId: id)?.deliveries.count
        XCTAssertEqual(value4, 1)
    }

    func testRuleViolationIs422WithFindingsAndNothingIsStored() async throws {
        let id = UUID().uuidString.lowercased()
        let message = try GatewayExamples.zorgmelding(id: id, replacing: [("<kop:BSN>999990019</kop:BSN>", "<kop:BSN>111222334</kop:BSN>")])
        let response = try await rotterdam.post(message, port: gateway.port)
        XCTAssertEqual(response.status, 422, response.body)
        XCTAssertEqual(try codes(response.body), ["KP-R001"])
        XCTAssertTrue(response.body.contains("\"type\""))
        let value5 = try await gateway.gateway.store.status(messageId: id)
        XCTAssertNil(value5)
        let records = try await gateway.gateway.store.auditRecords(afterSequence: 0, limit: 1000)
        XCTAssertTrue(records.contains { $0.event == AuditEvent.intakeRejected.rawValue && $0.detail.contains("KP-R001") })
    }

    func testDoctypeIs400() async throws {
        let response = try await rotterdam.post(try Data(contentsOf: GatewayExamples.repository.appendingPathComponent("Examples/invalid/KP-X-doctype.xml")),
                                                port: gateway.port)
        XCTAssertEqual(response.status, 400, response.body)
        XCTAssertEqual(try codes(response.body), ["KP-X001"])
    }

    func testTooLargeBodyIs413() async throws {
        let response = try await rotterdam.post(Data(repeating: 0x20, count: (1 << 20) + 10), port: gateway.port)
        XCTAssertEqual(response.status, 413)
    }

    func testSenderWhoseHeaderOINDiffersFromItsCertificateIsForbidden() async throws {
        let id = UUID().uuidString.lowercased()
        let response = try await amsterdam.post(try GatewayExamples.zorgmelding(id: id), port: gateway.port)
        XCTAssertEqual(response.status, 403, response.body)
        XCTAssertEqual(try codes(response.body), ["KP-A001"])
        let value6 = try await gateway.gateway.store.status(messageId: id)
        XCTAssertNil(value6)
        let records = try await gateway.gateway.store.auditRecords(afterSequence: 0, limit: 1000)
        XCTAssertTrue(records.contains { $0.event == AuditEvent.intakeRejected.rawValue && $0.messageId == id && $0.detail.contains("KP-A001") })
    }

    func testSenderNotAllowedThisKindIsForbidden() async throws {
        let pki = try GatewayTestPKI.get()
        let amsterdamOIN = try XCTUnwrap(pki.manifest.party(named: "politie-amsterdam")?.oin)
        var text = try GatewayExamples.text("valid/slachtofferverwijzing-utrecht.xml")
        text = text.replacingOccurrences(of: "<kop:OIN>00000099000000000004</kop:OIN>", with: "<kop:OIN>\(amsterdamOIN)</kop:OIN>")
        let response = try await amsterdam.post(Data(text.utf8), port: gateway.port)
        XCTAssertEqual(response.status, 403, response.body)
        XCTAssertEqual(try codes(response.body), ["KP-A002"])
    }

    func testPartyThatIsNoSenderIsForbidden() async throws {
        let shn = try IntakeClient(tls: GatewayTestPKI.tls(try GatewayTestPKI.get(), "shn"))
        defer { Task { await shn.shutdown() } }
        let response = try await shn.post(try GatewayExamples.zorgmelding(), port: gateway.port)
        XCTAssertEqual(response.status, 403, response.body)
    }

    func testClientWithoutCertificateCannotConnect() async throws {
        let pki = try GatewayTestPKI.get()
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .file(pki.path(DevelopmentPKI.caCertificateFile))
        let anonymous = IntakeClient(configuration: tls)
        defer { Task { await anonymous.shutdown() } }
        do {
            let response = try await anonymous.post(try GatewayExamples.zorgmelding(), port: gateway.port)
            XCTFail("a client without certificate got HTTP \(response.status)")
        } catch {
            // Expected: the handshake is refused.
        }
    }

    func testClientCertificateFromAnUntrustedCACannotConnect() async throws {
        let pki = try GatewayTestPKI.get()
        let rogueCA = try CertificateAuthority.create(subject: SubjectName(organization: "Rogue", commonName: "ROGUE CA"), keyType: .p256)
        let police = try XCTUnwrap(pki.manifest.party(named: "politie-rotterdam"))
        let issued = try rogueCA.issue(.tls(subject: SubjectName(organization: "Rogue", commonName: "rogue", oin: police.oin), keyType: .p256))
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .file(pki.path(DevelopmentPKI.caCertificateFile))
        tls.certificateChain = [.certificate(try NIOSSLCertificate(bytes: try issued.derBytes(), format: .der))]
        tls.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: Array(issued.privateKeyPEM.utf8), format: .pem))
        let rogue = IntakeClient(configuration: tls)
        defer { Task { await rogue.shutdown() } }
        let id = UUID().uuidString.lowercased()
        do {
            let response = try await rogue.post(try GatewayExamples.zorgmelding(id: id), port: gateway.port)
            XCTFail("an untrusted client got HTTP \(response.status)")
        } catch {
            // Expected: the handshake is refused.
        }
        let value7 = try await gateway.gateway.store.status(messageId: id)
        XCTAssertNil(value7)
    }

    func testStatusIsVisibleOnlyToTheSender() async throws {
        let id = UUID().uuidString.lowercased()
        let value8 = try await rotterdam.post(try GatewayExamples.zorgmelding(id: id), port: gateway.port).status
        XCTAssertEqual(value8, 202)
        let own = try await rotterdam.get("/v1/berichten/\(id)", port: gateway.port)
        XCTAssertEqual(own.status, 200)
        XCTAssertTrue(own.body.contains("vt-rotterdam-rijnmond"))
        let value9 = try await amsterdam.get("/v1/berichten/\(id)", port: gateway.port).status
        XCTAssertEqual(value9, 404)
        let value10 = try await rotterdam.get("/v1/berichten/\(UUID().uuidString.lowercased())", port: gateway.port).status
        XCTAssertEqual(value10, 404)
    }

    func testAdminListenerServesHealthAndMetrics() async throws {
        let value11 = try await rotterdam.post(try GatewayExamples.zorgmelding(), port: gateway.port).status
        XCTAssertEqual(value11, 202)
        // SHN is a partner, not a configured sender: refused, and counted as sender "unknown", never under its own OIN.
        let pki = try GatewayTestPKI.get()
        let shn = try IntakeClient(tls: GatewayTestPKI.tls(pki, "shn"))
        defer { Task { await shn.shutdown() } }
        let refused = try await shn.post(try GatewayExamples.zorgmelding(), port: gateway.port).status
        XCTAssertEqual(refused, 403)
        let rotterdamOIN = try XCTUnwrap(pki.manifest.party(named: "politie-rotterdam")?.oin)
        let shnOIN = try XCTUnwrap(pki.manifest.party(named: "shn")?.oin)
        let plain = HTTPClient(eventLoopGroupProvider: .singleton)
        defer { Task { try? await plain.shutdown() } }
        let health = try await plain.execute(HTTPClientRequest(url: "http://127.0.0.1:\(gateway.adminPort)/healthz"), timeout: .seconds(5))
        XCTAssertEqual(health.status.code, 200)
        let metrics = try await plain.execute(HTTPClientRequest(url: "http://127.0.0.1:\(gateway.adminPort)/metrics"), timeout: .seconds(5))
        let text = String(buffer: try await metrics.body.collect(upTo: 1 << 20))
        let intakeLines = text.split(separator: "\n").filter { $0.hasPrefix("ketenpoort_intake_total{") }
        XCTAssertTrue(intakeLines.contains { $0.contains("sender=\"\(rotterdamOIN)\"") && $0.contains("result=\"accepted\"") }, text)
        XCTAssertTrue(intakeLines.contains { $0.contains("sender=\"unknown\"") && $0.contains("result=\"forbidden\"") }, text)
        XCTAssertFalse(text.contains(shnOIN), "an organisation that is no configured sender adds no label value")
        // The CAs the gateway trusts expire too: each is reported next to our own and the partners' certificates.
        for name in ["signing", "intake-tls", "courier-tls", "intake-client-ca", "partner-server-ca", "receipt-ca"] {
            XCTAssertTrue(text.contains("ketenpoort_certificate_days_left{certificate=\"\(name)\"}"), "\(name) missing:\n\(text)")
        }
        XCTAssertTrue(text.contains("ketenpoort_queue_deliveries"), text)
        XCTAssertTrue(text.contains("ketenpoort_certificate_days_left"), text)
    }

    func testMarkerValuesNeverReachLogsProblemsAuditOrMetrics() async throws {
        let markers = ["MRKVOORNAAM", "MRKACHTERNAAM", "MRKSTRAAT", "987654321", "MRKTOELICHTING"]
        let personal: [(String, String)] = [
            ("<kop:Voornamen>Fleur Testje</kop:Voornamen>", "<kop:Voornamen>MRKVOORNAAM</kop:Voornamen>"),
            ("<kop:Achternaam>Voorbeeld</kop:Achternaam>", "<kop:Achternaam>MRKACHTERNAAM</kop:Achternaam>"),
            ("<kop:Straat>Proefstraat</kop:Straat>", "<kop:Straat>MRKSTRAAT</kop:Straat>"),
            ("Op zondagavond 12 oktober", "MRKTOELICHTING Op zondagavond 12 oktober"),
        ]
        var bodies: [String] = []
        // Valid path.
        bodies.append(try await rotterdam.post(try GatewayExamples.zorgmelding(replacing: personal), port: gateway.port).body)
        // Invalid paths: rule, schema, authorisation.
        bodies.append(try await rotterdam.post(try GatewayExamples.zorgmelding(replacing: personal + [("<kop:BSN>999990019</kop:BSN>", "<kop:BSN>987654321</kop:BSN>")]), port: gateway.port).body)
        bodies.append(try await rotterdam.post(try GatewayExamples.zorgmelding(replacing: personal + [("<kop:Postcode>3071XA</kop:Postcode>", "<kop:Postcode>MRKSTRAAT</kop:Postcode>")]), port: gateway.port).body)
        bodies.append(try await amsterdam.post(try GatewayExamples.zorgmelding(replacing: personal), port: gateway.port).body)
        let records = try await gateway.gateway.store.auditRecords(afterSequence: 0, limit: 10_000)
        let audit = records.map { "\($0.event) \($0.messageId) \($0.partner) \($0.actor) \($0.detail)" }
        let plain = HTTPClient(eventLoopGroupProvider: .singleton)
        defer { Task { try? await plain.shutdown() } }
        let metrics = String(buffer: try await plain.execute(HTTPClientRequest(url: "http://127.0.0.1:\(gateway.adminPort)/metrics"),
                                                             timeout: .seconds(5)).body.collect(upTo: 1 << 20))
        let everything = (bodies + audit + gateway.logs.lines + [metrics]).joined(separator: "\n")
        XCTAssertGreaterThan(gateway.logs.lines.count, 3)
        for marker in markers {
            XCTAssertFalse(everything.contains(marker), "\(marker) leaked")
        }
    }
}
