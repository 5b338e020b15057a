import Foundation
import KetenpoortServer
import KetenpoortXML
import XCTest

final class PartnerEndpointTests: XCTestCase {
    private func signedReferral(_ transform: (Data) throws -> Data = { $0 }, signer: String = "gateway") throws -> Data {
        try PartnerTestPKI.signer(signer).sign(try transform(try PartnerFixtures.referral()))
    }

    private func verifiedReceipt(_ body: Data, for sent: Data, id: String = PartnerFixtures.referralId) throws -> VerifiedReceipt {
        try receiptVerifier().verify(receipt: body, forMessageId: id, sentBytes: sent,
                                     expectedSigners: [try PartnerTestPKI.signingCertificateDER("shn")])
    }

    func testValidMessageIsStoredAndAcknowledgedWithASignedReceipt() async throws {
        let configuration = try shnConfiguration()
        let logs = CapturedLogs()
        let message = try signedReferral()
        try await withEndpoint(configuration, logs: logs) { endpoint, port in
            let answer = try await postAsGateway(message, port: port)
            XCTAssertEqual(answer.status, 200)
            let receipt = try verifiedReceipt(answer.body, for: message)
            XCTAssertEqual(receipt.status, .received)
            XCTAssertEqual(receipt.signerOIN, "00000099000000000101")
            let stored = FileManager.default.contents(atPath: endpoint.inboxFile(forMessageId: PartnerFixtures.referralId))
            XCTAssertEqual(stored, message, "the inbox holds exactly the posted bytes")
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: configuration.inbox)
            XCTAssertEqual(leftovers, [PartnerFixtures.referralId + ".xml"], "no temporary files remain")
        }
        let lines = logs.lines
        XCTAssertTrue(lines.contains {
            $0.contains("message_id=\(PartnerFixtures.referralId)") && $0.contains("outcome=ontvangen")
                && $0.contains("peer_oin=00000099000000000900")
        }, lines.joined(separator: "\n"))
        for marker in PartnerFixtures.markers {
            XCTAssertFalse(lines.contains { $0.contains(marker) }, "a log line contains the marker \(marker)")
        }
    }

    func testSameMessageTwiceGivesOneFileAndTwoReceipts() async throws {
        let configuration = try shnConfiguration()
        let message = try signedReferral()
        try await withEndpoint(configuration) { _, port in
            let first = try await postAsGateway(message, port: port)
            let second = try await postAsGateway(message, port: port)
            XCTAssertEqual(first.status, 200)
            XCTAssertEqual(second.status, 200)
            XCTAssertEqual(try verifiedReceipt(first.body, for: message).status, .received)
            XCTAssertEqual(try verifiedReceipt(second.body, for: message).status, .received)
            XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: configuration.inbox).count, 1)
        }
    }

    func testConcurrentDeliveriesOfOneMessageStoreItOnce() async throws {
        let configuration = try shnConfiguration()
        let message = try signedReferral()
        try await withEndpoint(configuration) { _, port in
            let statuses = try await withThrowingTaskGroup(of: (Int, Data).self) { group in
                for _ in 0..<4 { group.addTask { try await PartnerClient.postAsGateway(message, port: port) } }
                var all: [(Int, Data)] = []
                for try await answer in group { all.append(answer) }
                return all
            }
            for (status, body) in statuses {
                XCTAssertEqual(status, 200)
                XCTAssertEqual(try verifiedReceipt(body, for: message).status, .received)
            }
            XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: configuration.inbox).count, 1)
        }
    }

    func testSameIdWithOtherContentIsRefused() async throws {
        let configuration = try shnConfiguration()
        let first = try signedReferral()
        let other = try signedReferral { try PartnerFixtures.replacing("Mila Josephine", with: "Mila Johanna", in: $0) }
        try await withEndpoint(configuration) { endpoint, port in
            _ = try await postAsGateway(first, port: port)
            let answer = try await postAsGateway(other, port: port)
            XCTAssertEqual(answer.status, 200)
            XCTAssertEqual(try verifiedReceipt(answer.body, for: other).status, .refused(.duplicateWithOtherContent))
            let stored = FileManager.default.contents(atPath: endpoint.inboxFile(forMessageId: PartnerFixtures.referralId))
            XCTAssertEqual(stored, first, "the first content stays")
        }
    }

    func testTamperedMessageIsRefusedAsSignatureInvalid() async throws {
        let configuration = try shnConfiguration()
        let tampered = try PartnerFixtures.replacing("Mila Josephine", with: "Mila Johanna", in: try signedReferral())
        try await withEndpoint(configuration) { _, port in
            let answer = try await postAsGateway(tampered, port: port)
            XCTAssertEqual(answer.status, 200)
            XCTAssertEqual(try verifiedReceipt(answer.body, for: tampered).status, .refused(.signatureInvalid))
            XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: configuration.inbox).count, 0)
        }
    }

    func testMessageSignedByAnotherTrustedPartyIsRefused() async throws {
        let configuration = try shnConfiguration()
        let message = try signedReferral(signer: "politie-rotterdam")
        try await withEndpoint(configuration) { _, port in
            let answer = try await postAsGateway(message, port: port)
            XCTAssertEqual(try verifiedReceipt(answer.body, for: message).status, .refused(.signatureInvalid))
        }
    }

    func testUnsignedMessageIsRefused() async throws {
        let configuration = try shnConfiguration()
        let message = try PartnerFixtures.referral()
        try await withEndpoint(configuration) { _, port in
            let answer = try await postAsGateway(message, port: port)
            XCTAssertEqual(try verifiedReceipt(answer.body, for: message).status, .refused(.signatureInvalid))
        }
    }

    func testSchemaInvalidMessageIsRefused() async throws {
        let configuration = try shnConfiguration()
        let message = try signedReferral {
            try PartnerFixtures.replacing("<kop:Urgentie>regulier</kop:Urgentie>", with: "<kop:Urgentie>dringend</kop:Urgentie>", in: $0)
        }
        let logs = CapturedLogs()
        try await withEndpoint(configuration, logs: logs) { _, port in
            let answer = try await postAsGateway(message, port: port)
            XCTAssertEqual(try verifiedReceipt(answer.body, for: message).status, .refused(.schemaInvalid))
        }
        XCTAssertTrue(logs.lines.contains { $0.contains("schema-ongeldig") })
        XCTAssertFalse(logs.lines.contains { $0.contains("dringend") })
    }

    func testMessageForAnotherPartnerIsRefused() async throws {
        var configuration = try shnConfiguration()
        configuration.partner = "om"
        let message = try signedReferral()
        try await withEndpoint(configuration) { _, port in
            let answer = try await postAsGateway(message, port: port)
            XCTAssertEqual(try verifiedReceipt(answer.body, for: message).status, .refused(.notForRecipient))
        }
    }

    func testUnreadableAndOversizedBodiesGet400() async throws {
        var configuration = try shnConfiguration()
        configuration.maxMessageBytes = 4096
        try await withEndpoint(configuration) { _, port in
            let garbage = try await postAsGateway(Data("<niet-af".utf8), port: port)
            XCTAssertEqual(garbage.status, 400)
            let large = try await postAsGateway(Data(repeating: 0x20, count: 10_000), port: port)
            XCTAssertEqual(large.status, 400)
        }
    }

    func testBehaviourHookFailsThenRecovers() async throws {
        let configuration = try shnConfiguration()
        let message = try signedReferral()
        try await withEndpoint(configuration) { endpoint, port in
            await endpoint.enqueueBehaviours([.failWith(status: 500)])
            let failed = try await postAsGateway(message, port: port)
            XCTAssertEqual(failed.status, 500)
            XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: configuration.inbox).count, 0)
            let succeeded = try await postAsGateway(message, port: port)
            XCTAssertEqual(succeeded.status, 200)
            await endpoint.setBehaviour(.refuse(.temporarilyUnavailable))
            let refused = try await postAsGateway(message, port: port)
            XCTAssertEqual(try verifiedReceipt(refused.body, for: message).status, .refused(.temporarilyUnavailable))
            await endpoint.setBehaviour(.dropConnection)
            do {
                _ = try await postAsGateway(message, port: port)
                XCTFail("a dropped connection must not produce an answer")
            } catch {}
            let count = await endpoint.requestCount
            XCTAssertEqual(count, 4)
        }
    }
}
