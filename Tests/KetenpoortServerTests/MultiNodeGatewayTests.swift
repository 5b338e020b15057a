import Foundation
import KetenpoortPostgres
import KetenpoortServer
import KetenpoortStore
import KetenpoortTesting
import XCTest

/// Gateway nodes on one PostgreSQL database: a dead node's leases go out through a surviving node, and PostgreSQL
/// restarting under load gives 503 (never a 202 that is then lost) and recovers without restarting the gateway.
final class MultiNodeGatewayTests: XCTestCase {
    /// The `store:` section for the test database, with fast liveness.
    private func storeSection(_ database: PostgresTestDatabase, deadAfter: Double = 2) -> GatewayConfiguration.Store {
        let settings = database.settings
        return GatewayConfiguration.Store(
            kind: .postgres, host: settings.host, port: settings.port, database: settings.database, user: settings.user,
            passwordFile: settings.passwordFile, tls: .init(mode: .verifyFull, ca: settings.caFile),
            keyEncryptionKeyFile: settings.keyEncryptionKeyFile, maxConnections: 8, operationTimeoutSeconds: 2,
            nodeDeadAfterSeconds: deadAfter, heartbeatSeconds: 0.5)
    }

    func testADeadNodesLeaseIsDeliveredByASurvivingNodeLongBeforeTheLeaseExpires() async throws {
        let database = try await PostgresTestDatabase.create()
        addTeardownBlock { try? await database.drop() }
        let partner = try await RunningPartner.start("vt-rotterdam-rijnmond")
        let port = partner.port
        await partner.stop()
        // The partner is down: the surviving node's first attempt is deferred for 30 s.
        let gateway = try await RunningGateway.start(
            partners: ["vt-rotterdam-rijnmond": "https://localhost:\(port)/v1/berichten"],
            retry: .init(initialDelaySeconds: 30, maxDelaySeconds: 60, maxAgeHours: 1, jitter: 0), store: storeSection(database))
        let client = try IntakeClient(tls: GatewayTestPKI.tls(try GatewayTestPKI.get(), "politie-rotterdam"))
        let id = UUID().uuidString.lowercased()
        let posted = try await client.post(try GatewayExamples.zorgmelding(id: id), port: gateway.port)
        XCTAssertEqual(posted.status, 202, posted.body)
        try await eventually { try await gateway.gateway.store.status(messageId: id)?.deliveries.first?.state == .deferred }

        // Another node registers, leases the delivery for 120 s, and dies (its heartbeat stops).
        let other = try await PostgresStore.open(settings: database.settings, access: .readWrite, payloadKeys: true, logger: .init(label: "other"))
        try await other.heartbeat(owner: "dead-node", host: "elsewhere")
        let leased = try await other.leaseEveryPartner(owner: "dead-node", perPartner: 4, leaseDuration: 120, now: Date().addingTimeInterval(31))
        XCTAssertEqual(leased.map(\.delivery.messageId), [id])
        await other.shutdown()
        let leasedAt = Date()
        let restarted = try await RunningPartner.start("vt-rotterdam-rijnmond", port: port, inbox: partner.inbox)
        try await eventually(60) { try await gateway.gateway.store.status(messageId: id)?.deliveries.first?.state == .delivered }
        let waited = Date().timeIntervalSince(leasedAt)
        XCTAssertLessThan(waited, 60, "delivered only after \(waited) s; the dead node's lease ran 120 s")
        let trail = try await gateway.gateway.store.auditTrail(messageId: id)
        XCTAssertTrue(trail.contains { $0.detail.contains("reclaimed-from=\"dead-node\" reason=node-dead") },
                      trail.map(\.detail).joined(separator: "\n"))
        XCTAssertEqual(restarted.inboxFiles(), ["\(id).xml"])
        await client.shutdown()
        try await gateway.stop()
        await restarted.stop()
    }

    func testPostgresRestartUnderLoadGives503NeverALostAcceptAndRecoversWithoutARestart() async throws {
        let database = try await PostgresTestDatabase.create()
        addTeardownBlock { try? await database.drop() }
        let partner = try await RunningPartner.start("vt-rotterdam-rijnmond")
        let gateway = try await RunningGateway.start(partners: ["vt-rotterdam-rijnmond": partner.url], store: storeSection(database))
        let client = try IntakeClient(tls: GatewayTestPKI.tls(try GatewayTestPKI.get(), "politie-rotterdam"))
        var accepted: [String] = []
        var statuses: [Int: Int] = [:]
        var restart: Task<Void, any Error>?
        var restartedAt: Date?
        var acceptedAfterRestart = 0
        let deadline = Date().addingTimeInterval(90)
        while Date() < deadline {
            let id = UUID().uuidString.lowercased()
            let status: Int
            do {
                status = try await client.post(try GatewayExamples.zorgmelding(id: id), port: gateway.port).status
            } catch {
                status = -1    // no answer at all is allowed too; a 202 is what must never be lost
            }
            statuses[status, default: 0] += 1
            if status == 202 {
                accepted.append(id)
                if restartedAt != nil { acceptedAfterRestart += 1 }
            }
            if restart == nil, accepted.count >= 5 {
                restart = Task { try await database.restartServer(secondsDown: 4) }
            }
            if let task = restart, restartedAt == nil, statuses[503, default: 0] > 0 {
                try await task.value
                restartedAt = Date()
            }
            if acceptedAfterRestart >= 5 { break }
        }
        XCTAssertGreaterThan(statuses[503, default: 0], 0, "no 503 while PostgreSQL was down: \(statuses)")
        XCTAssertGreaterThanOrEqual(acceptedAfterRestart, 5, "intake did not recover after the restart: \(statuses)")
        XCTAssertEqual(Set(statuses.keys).subtracting([202, 503, -1]), [], "unexpected answers: \(statuses)")
        // Every 202 was durable: each message is delivered.
        try await eventually(60) {
            for id in accepted where try await gateway.gateway.store.status(messageId: id)?.deliveries.first?.state != .delivered {
                return false
            }
            return true
        }
        // A 503 whose commit landed after the deadline is delivered too (its sender's retry would get 200): never lost,
        // never twice. Every 202 is in the inbox exactly once.
        let inbox = partner.inboxFiles()
        XCTAssertEqual(Set(inbox).count, inbox.count)
        XCTAssertTrue(Set(accepted.map { "\($0).xml" }).isSubset(of: Set(inbox)), "accepted: \(accepted.count), inbox: \(inbox.count)")
        await client.shutdown()
        try await gateway.stop()
        await partner.stop()
    }
}
