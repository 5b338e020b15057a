import Foundation
import KetenpoortCore
import KetenpoortXML
import XCTest

/// Admission refuses what it must not sign (a signed message, a document C14N cannot handle) as the sender's
/// fault, and every message it signs passes the verification profile.
final class AdmissionTests: XCTestCase {
    private let dsig = "xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\""

    private func admit(_ text: String) throws -> Result<AdmittedMessage, AdmissionFailure> {
        let pipeline = try AdmissionFixture.pipeline()
        let sender = AdmissionFixture.sender(of: text)
        XCTAssertFalse(sender.isEmpty)
        do {
            return .success(try pipeline.admit(Data(text.utf8), authenticatedOIN: sender))
        } catch {
            return .failure(error)
        }
    }

    private func assertInvalid(_ text: String, code: String, file: StaticString = #filePath, line: UInt = #line) throws {
        switch try admit(text) {
        case .success:
            XCTFail("admitted", file: file, line: line)
        case .failure(.invalid(let findings)):
            XCTAssertEqual(findings.first?.code, code, "\(findings)", file: file, line: line)
        case .failure(let other):
            XCTFail("expected .invalid(\(code)), got \(other)", file: file, line: line)
        }
    }

    func testAValidMessageIsSignedOnceAndItsSignatureVerifies() throws {
        let text = try CoreFixtures.example("valid/slachtofferverwijzing-utrecht.xml")
        guard case .success(let admitted) = try admit(text) else { return XCTFail("refused") }
        let signed = String(decoding: admitted.signedBytes, as: UTF8.self)
        XCTAssertEqual(signed.components(separatedBy: "</ds:Signature>").count - 1, 1)
        let verifier = try SignatureVerifier(trustAnchorsPEM: AdmissionFixture.material.get().certificatePEM)
        XCTAssertEqual(try verifier.verify(admitted.signedBytes).oin, "00000099000000000900")
    }

    func testAMessageThatArrivesSignedIsRefusedAsTheSendersFault() throws {
        let text = try CoreFixtures.example("valid/zorgmelding-rotterdam-kind.xml")
        let signedBySender = try AdmissionFixture.material.get().signer.sign(Data(text.utf8))
        try assertInvalid(String(decoding: signedBySender, as: UTF8.self), code: AdmissionPipeline.alreadySignedCode)
    }

    func testAnyXMLDSigElementAtIntakeIsRefused() throws {
        // The schemas allow one XMLDSig element at the end of the root; an Object there is no signature either.
        let text = try CoreFixtures.example("valid/zorgmelding-rotterdam-kind.xml")
            .replacingOccurrences(of: "</Zorgmelding>", with: "<ds:Object \(dsig)/></Zorgmelding>")
        try assertInvalid(text, code: AdmissionPipeline.alreadySignedCode)
    }

    func testARelativeNamespaceIsAReadingFindingNotAnInternalError() throws {
        let text = try CoreFixtures.example("valid/zorgmelding-rotterdam-kind.xml")
            .replacingOccurrences(of: "<Zorgmelding xmlns=", with: "<Zorgmelding xmlns:r=\"relative/ns\" xmlns=")
        try assertInvalid(text, code: ReadingCode.relativeNamespace)
        XCTAssertThrowsError(try CoreFixtures.validator.get().validate(Data(text.utf8)), "validate agrees with intake")
    }

    func testInternalErrorsKeepTheirCause() {
        let failure = AdmissionFailure.internalError(SigningError.signingFailed)
        guard case .internalError(let cause) = failure else { return XCTFail("not an internal error") }
        XCTAssertEqual(cause as? SigningError, .signingFailed)
        XCTAssertTrue("\(cause)".contains("xmlsec1"), "\(cause)")
    }
}
