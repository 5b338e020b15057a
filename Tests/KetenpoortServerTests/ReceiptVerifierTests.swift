import Foundation
import KetenpoortCore
import KetenpoortServer
import KetenpoortXML
import XCTest

final class ReceiptVerifierTests: XCTestCase {
    private let messageId = PartnerFixtures.referralId
    private let sent = Data("<bericht>exact bytes</bericht>".utf8)

    private func builder(_ party: String = "shn") throws -> ReceiptBuilder {
        ReceiptBuilder(partnerOIN: "00000099000000000101", organisationalUnit: "SHN & co <intake>",
                       signer: try PartnerTestPKI.signer(party))
    }

    private func verify(_ receipt: Data, id: String? = nil, sent: Data? = nil) throws -> VerifiedReceipt {
        try receiptVerifier().verify(receipt: receipt, forMessageId: id ?? messageId, sentBytes: sent ?? self.sent,
                                     expectedSigners: [try PartnerTestPKI.signingCertificateDER("shn")])
    }

    private func assertFails(_ expected: String, _ body: () throws -> Void, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try body(), file: file, line: line) { error in
            XCTAssertEqual((error as? ReceiptVerificationError)?.reason, expected, "\(error)", file: file, line: line)
        }
    }

    func testBuiltReceiptsAreSchemaValidAndVerify() throws {
        let received = try builder().build(forMessageId: messageId, receivedBytes: sent, status: .received)
        let verified = try verify(received)
        XCTAssertEqual(verified.status, .received)
        XCTAssertEqual(verified.digestBase64, MessageDigest.sha256Base64(sent))
        XCTAssertEqual(verified.bytes, received)
        for reason in ReceiptRefusalReason.allCases {
            let refused = try builder().build(forMessageId: messageId, receivedBytes: sent, status: .refused(reason),
                                              explanation: "Reden \(reason.rawValue).")
            XCTAssertEqual(try verify(refused).status, .refused(reason))
        }
    }

    func testWrongDigestIsRejected() throws {
        let receipt = try builder().build(forMessageId: messageId, receivedBytes: Data("other".utf8), status: .received)
        assertFails("wrong-digest") { _ = try verify(receipt) }
    }

    func testWrongMessageIdIsRejected() throws {
        let receipt = try builder().build(forMessageId: "00000000-0000-4000-8000-000000000000", receivedBytes: sent,
                                          status: .received)
        assertFails("wrong-message") { _ = try verify(receipt) }
    }

    func testReceiptSignedByAnotherTrustedPartyIsRejected() throws {
        let receipt = try builder("om").build(forMessageId: messageId, receivedBytes: sent, status: .received)
        assertFails("unexpected-signer") { _ = try verify(receipt) }
    }

    func testRolloverAcceptsAnySignerInTheList() throws {
        let receipt = try builder("om").build(forMessageId: messageId, receivedBytes: sent, status: .received)
        let verified = try receiptVerifier().verify(
            receipt: receipt, forMessageId: messageId, sentBytes: sent,
            expectedSigners: [try PartnerTestPKI.signingCertificateDER("shn"), try PartnerTestPKI.signingCertificateDER("om")])
        XCTAssertEqual(verified.signerOIN, "00000099000000000102")
    }

    func testTamperedReceiptIsRejected() throws {
        let receipt = try builder().build(forMessageId: messageId, receivedBytes: sent, status: .refused(.schemaInvalid))
        let tampered = try PartnerFixtures.replacing("<Status>geweigerd</Status>\n  <Weigeringsreden>schema-ongeldig</Weigeringsreden>",
                                                     with: "<Status>ontvangen</Status>", in: receipt)
        XCTAssertThrowsError(try verify(tampered)) { error in
            guard case .badSignature(.invalid) = error as? ReceiptVerificationError else {
                return XCTFail("expected badSignature(invalid), got \(error)")
            }
        }
    }

    func testUnsignedReceiptIsRejected() throws {
        let unsigned = try builder().unsignedReceipt(
            forMessageId: messageId, digestBase64: MessageDigest.sha256Base64(sent), status: .received,
            receivedAt: Date(), explanation: nil, receiptId: UUID().uuidString.lowercased(), createdAt: Date())
        assertFails("bad-signature") { _ = try verify(unsigned) }
    }

    func testSignedNonReceiptIsInvalid() throws {
        let message = try PartnerTestPKI.signer("shn").sign(try PartnerFixtures.referral())
        assertFails("invalid") { _ = try verify(message, sent: message) }
    }

    func testBuilderRefusesAMessageIdThatIsNotAUUID() throws {
        XCTAssertThrowsError(try builder().build(forMessageId: "<x/>", receivedBytes: sent, status: .received)) { error in
            XCTAssertEqual(error as? ReceiptBuilder.BuildError, .messageIdNotAUUID)
        }
    }

    func testErrorsNeverEchoContent() throws {
        let errors: [ReceiptVerificationError] = [
            .wrongDigest, .wrongMessage, .unexpectedSigner, .badSignature(.invalid),
            .invalid([Finding(code: "KP-S001", message: "value Mila", path: "/a/b")]),
        ]
        for error in errors {
            XCTAssertFalse(error.description.contains("Mila"), error.description)
        }
    }
}
