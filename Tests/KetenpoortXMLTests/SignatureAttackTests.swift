import Foundation
import KetenpoortXML
import XCTest

/// Each known way to fool an XML signature verifier is refused, with the right reason.
final class SignatureAttackTests: XCTestCase {
    private var keys: TestKeys!
    private var signed = ""

    override func setUpWithError() throws {
        keys = try Fixtures.keys.get()
        signed = try keys.rsa.signer().sign(Fixtures.example("valid/zorgmelding-rotterdam-kind.xml")).text
    }

    private func assertRefused(_ text: String, _ expected: SignatureFailure, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try keys.verifier().verify(Data(text.utf8)), file: file, line: line) { error in
            XCTAssertEqual(error as? SignatureFailure, expected, "\(error)", file: file, line: line)
        }
    }

    /// The signed document's `ds:Signature` element and the rest.
    private func split(_ text: String) -> (before: String, signature: String, after: String) {
        let start = text.range(of: "<ds:Signature")!.lowerBound
        let end = text.range(of: "</ds:Signature>")!.upperBound
        return (String(text[..<start]), String(text[start..<end]), String(text[end...]))
    }

    func testUnchangedDocumentVerifies() throws {
        XCTAssertNoThrow(try keys.verifier().verify(Data(signed.utf8)))
    }

    func testChangedContentIsRefused() {
        assertRefused(signed.replacingOccurrences(of: "<Afhandeling>geen</Afhandeling>", with: "<Afhandeling>huisverbod</Afhandeling>"), .invalid)
    }

    func testChangedWhitespaceInContentIsRefused() {
        assertRefused(signed.replacingOccurrences(of: "<Soort>verwaarlozing</Soort>", with: "<Soort> verwaarlozing</Soort>"), .invalid)
    }

    func testChangedSignedInfoIsRefused() {
        // Flip one character of the digest value inside SignedInfo.
        let range = signed.range(of: "<ds:DigestValue>")!
        var text = signed
        let index = range.upperBound
        let replacement: Character = text[index] == "A" ? "B" : "A"
        text.replaceSubrange(index...index, with: String(replacement))
        assertRefused(text, .invalid)
    }

    func testStrippedSignatureIsRefused() {
        let parts = split(signed)
        assertRefused(parts.before + parts.after, .missing)
    }

    func testSecondSignatureIsRefused() {
        let parts = split(signed)
        assertRefused(parts.before + parts.signature + parts.signature + parts.after, .multiple)
    }

    func testSignatureMovedAwayFromTheEndIsRefused() {
        let parts = split(signed)
        let moved = parts.before.replacingOccurrences(of: "<Incident>", with: parts.signature + "<Incident>") + parts.after
        assertRefused(moved, .misplaced)
    }

    func testSignedContentWrappedInANewRootIsRefused() {
        // Classic wrapping: the original signed root moved inside an attacker's root, which carries the
        // original signature at the end so that a naive verifier finds a valid signature.
        let body = signed.replacingOccurrences(of: "<?xml version=\"1.0\" encoding=\"UTF-8\"?>", with: "")
        let parts = split(body)
        let wrapped = """
            <Zorgmelding xmlns="urn:nl:ketenpoort:zorgmelding:v1"><Evil>\(parts.before + parts.after)</Evil>\(parts.signature)</Zorgmelding>
            """
        assertRefused(wrapped, .invalid)
    }

    func testDuplicatedRootContentIsRefused() {
        let duplicated = signed.replacingOccurrences(of: "<Incident>", with: "<Incident><Datum>2026-10-12</Datum></Incident><Incident>")
        assertRefused(duplicated, .invalid)
    }

    func testReferenceToAnIdAttributeIsRefused() {
        let parts = split(signed)
        let evilSignature = parts.signature.replacingOccurrences(of: "<ds:Reference URI=\"\">", with: "<ds:Reference URI=\"#inc\">")
        let text = parts.before.replacingOccurrences(of: "<Incident>", with: "<Incident Id=\"inc\">") + evilSignature + parts.after
        assertRefused(text, .profile("the Reference must have URI=\"\" (the whole document)"))
    }

    func testExtraTransformIsRefused() {
        let xpath = "<ds:Transform Algorithm=\"http://www.w3.org/TR/1999/REC-xpath-19991116\"><ds:XPath>1</ds:XPath></ds:Transform></ds:Transforms>"
        let text = signed.replacingOccurrences(of: "</ds:Transforms>", with: xpath)
        assertRefused(text, .profile("the only transforms allowed are enveloped-signature followed by exclusive C14N"))
    }

    func testCertificateFromAnUntrustedCAIsRefused() throws {
        let forged = try keys.untrusted.signer().sign(Fixtures.example("valid/zorgmelding-rotterdam-kind.xml")).text
        assertRefused(forged, .untrustedCertificate)
    }

    func testExpiredCertificateIsRefused() throws {
        let text = try keys.expired.signer().sign(Fixtures.example("valid/zorgmelding-rotterdam-kind.xml")).text
        assertRefused(text, .certificateNotValidNow)
    }

    func testNotYetValidCertificateIsRefused() throws {
        let text = try keys.notYetValid.signer().sign(Fixtures.example("valid/zorgmelding-rotterdam-kind.xml")).text
        assertRefused(text, .certificateNotValidNow)
    }

    func testCertificateWithoutDigitalSignatureUsageIsRefused() throws {
        let text = try keys.withoutDigitalSignature.signer().sign(Fixtures.example("valid/zorgmelding-rotterdam-kind.xml")).text
        assertRefused(text, .keyUsage)
    }

    func testCertificateSwappedInKeyInfoIsRefused() throws {
        // Another trusted party's certificate put in KeyInfo: the signature no longer matches the key.
        let other = try keys.otherParty.signer().sign(Fixtures.example("valid/zorgmelding-rotterdam-kind.xml")).text
        func certificate(_ text: String) -> String {
            let start = text.range(of: "<ds:X509Certificate>")!.upperBound
            let end = text.range(of: "</ds:X509Certificate>")!.lowerBound
            return String(text[start..<end])
        }
        assertRefused(signed.replacingOccurrences(of: certificate(signed), with: certificate(other)), .invalid)
    }

    func testKeyValueInsteadOfCertificateIsRefused() {
        let parts = split(signed)
        let start = parts.signature.range(of: "<ds:KeyInfo>")!.lowerBound
        let keyValue = "<ds:KeyInfo><ds:KeyValue><ds:RSAKeyValue><ds:Modulus>AQAB</ds:Modulus><ds:Exponent>AQAB</ds:Exponent></ds:RSAKeyValue></ds:KeyValue></ds:KeyInfo></ds:Signature>"
        assertRefused(parts.before + parts.signature[..<start] + keyValue + parts.after,
                      .profile("KeyInfo must hold exactly one X509Data with the signing certificate"))
    }

    func testSHA1DigestIsRefusedEvenWhenCryptographicallyValid() throws {
        let text = try XMLSecTool.signTemplate(keys: keys.rsa, signatureMethod: "http://www.w3.org/2000/09/xmldsig#rsa-sha1",
                                               digestMethod: "http://www.w3.org/2000/09/xmldsig#sha1")
        XCTAssertTrue(text.contains("xmldsig#sha1"))
        assertRefused(text, .weakAlgorithm("http://www.w3.org/2000/09/xmldsig#rsa-sha1"))
        let sha1DigestOnly = try XMLSecTool.signTemplate(keys: keys.rsa, signatureMethod: "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
                                                         digestMethod: "http://www.w3.org/2000/09/xmldsig#sha1")
        assertRefused(sha1DigestOnly, .weakAlgorithm("http://www.w3.org/2000/09/xmldsig#sha1"))
    }

    func testHMACSignatureIsRefused() throws {
        let text = try XMLSecTool.signTemplate(keys: keys.rsa, signatureMethod: "http://www.w3.org/2001/04/xmldsig-more#hmac-sha256",
                                               digestMethod: "http://www.w3.org/2001/04/xmlenc#sha256", hmacKey: "secret")
        XCTAssertTrue(text.contains("hmac-sha256"))
        assertRefused(text, .weakAlgorithm("http://www.w3.org/2001/04/xmldsig-more#hmac-sha256"))
    }

    func testDoctypeSmuggledIntoASignedDocumentIsRefused() {
        let smuggled = signed.replacingOccurrences(of: "<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
                                                   with: "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE Zorgmelding [<!ENTITY e \"x\">]>")
        XCTAssertThrowsError(try keys.verifier().verify(Data(smuggled.utf8))) { error in
            XCTAssertEqual((error as? Rejection)?.findings.first?.code, ReadingCode.doctype)
        }
    }
}
