import Foundation
import KetenpoortPKI
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

/// The unsigned parts of `ds:Signature` are locked: XMLDSig elements at their places, text-only values,
/// only the agreed attributes (keyed by namespace and name), no comments, objects or manifests.
final class SignatureContentAttackTests: XCTestCase {
    private var keys: TestKeys!
    private var signed = ""

    override func setUpWithError() throws {
        keys = try Fixtures.keys.get()
        signed = try keys.rsa.signer().sign(Fixtures.example("valid/zorgmelding-rotterdam-kind.xml")).text
    }

    private func refusal(_ text: String) -> (any Error)? {
        do {
            _ = try keys.verifier().verify(Data(text.utf8))
            return nil
        } catch {
            return error
        }
    }

    private func assertRefused(_ text: String, _ expected: SignatureFailure, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertNotEqual(text, signed, "the attack changed nothing", file: file, line: line)
        let error = refusal(text)
        XCTAssertEqual(error as? SignatureFailure, expected, "\(String(describing: error))", file: file, line: line)
    }

    /// Replaces the first occurrence only (the signature's own markup is unique in the document).
    private func replacing(_ old: String, with new: String) -> String {
        guard let range = signed.range(of: old) else { return signed }
        return signed.replacingCharacters(in: range, with: new)
    }

    func testForeignNamespaceElementAtAnExpectedPlaceIsRefused() {
        let text = replacing("<ds:X509Data>", with: "<x:X509Data xmlns:x=\"urn:example:evil\">")
            .replacingOccurrences(of: "</ds:X509Data>", with: "</x:X509Data>")
        assertRefused(text, .profile("every element inside ds:Signature must be in the XMLDSig namespace"))
    }

    func testChildElementsInValuesAreRefused() {
        let textOnly = SignatureFailure.profile("DigestValue, SignatureValue and X509Certificate must hold text only")
        assertRefused(replacing("</ds:SignatureValue>", with: "<ds:KeyName>k</ds:KeyName></ds:SignatureValue>"), textOnly)
        assertRefused(replacing("</ds:DigestValue>", with: "<ds:KeyName>k</ds:KeyName></ds:DigestValue>"), textOnly)
        assertRefused(replacing("</ds:X509Certificate>", with: "<ds:KeyName>k</ds:KeyName></ds:X509Certificate>"), textOnly)
    }

    func testCommentSplittingAValueIsRefusedWhileReading() throws {
        // A comment inside DigestValue is dropped by C14N but may be read by other tools: refused before anything.
        let range = try XCTUnwrap(signed.range(of: "<ds:DigestValue>"))
        var text = signed
        text.insert(contentsOf: "<!--x-->", at: text.index(range.upperBound, offsetBy: 10))
        XCTAssertEqual((refusal(text) as? Rejection)?.findings.first?.code, ReadingCode.comment)
    }

    func testObjectAndManifestAreRefused() {
        let exactly = SignatureFailure.profile("ds:Signature must hold exactly SignedInfo, SignatureValue and KeyInfo")
        assertRefused(replacing("</ds:Signature>", with: "<ds:Object><Evil xmlns=\"urn:example:evil\"/></ds:Object></ds:Signature>"), exactly)
        let manifest = "<ds:Object><ds:Manifest><ds:Reference URI=\"#x\"><ds:DigestMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\"/>"
            + "<ds:DigestValue>AAAA</ds:DigestValue></ds:Reference></ds:Manifest></ds:Object></ds:Signature>"
        assertRefused(replacing("</ds:Signature>", with: manifest), exactly)
    }

    func testReferenceWithoutURIIsRefused() {
        assertRefused(replacing("<ds:Reference URI=\"\">", with: "<ds:Reference>"),
                      .profile("the Reference must have URI=\"\" (the whole document)"))
    }

    func testAttributesAreKeyedByNamespaceAndName() {
        // A namespaced URI attribute can neither replace nor hide the real one.
        assertRefused(replacing("<ds:Reference URI=\"\">", with: "<ds:Reference xmlns:x=\"urn:example:x\" URI=\"#inc\" x:URI=\"\">"),
                      .profile("the Reference must have URI=\"\" (the whole document)"))
        assertRefused(replacing("<ds:Reference URI=\"\">", with: "<ds:Reference xmlns:x=\"urn:example:x\" x:URI=\"#inc\" URI=\"\">"),
                      .profile("the Reference may carry no Id or Type"))
        assertRefused(replacing("<ds:DigestMethod ", with: "<ds:DigestMethod xmlns:x=\"urn:example:x\" x:Algorithm=\"urn:x\" "),
                      .profile("an element of ds:Signature carries an attribute the profile does not allow"))
        assertRefused(replacing("<ds:SignatureValue>", with: "<ds:SignatureValue Id=\"v\">"),
                      .profile("an element of ds:Signature carries an attribute the profile does not allow"))
    }

    func testTextBetweenSignatureElementsIsRefused() {
        assertRefused(replacing("<ds:SignedInfo>", with: "<ds:SignedInfo>text"),
                      .profile("ds:Signature may hold only XMLDSig elements and whitespace between them"))
    }

    func testWhitespaceBetweenSignatureElementsPassesTheProfile() throws {
        let spaced = replacing("<ds:SignedInfo>", with: "<ds:SignedInfo>\n  ")
        // Whitespace inside SignedInfo is signed, so the signature no longer matches, but the profile allows it.
        XCTAssertEqual(refusal(spaced) as? SignatureFailure, .invalid)
    }
}

/// Only certificates meant for signing documents may sign: not the gateway's TLS certificate.
final class SignerCertificatePurposeTests: XCTestCase {
    private func sign(_ pair: KeyPair) throws -> Data {
        try pair.signer().sign(Fixtures.example("valid/zorgmelding-rotterdam-kind.xml"))
    }

    func testTLSCertificateIsRefusedAsSigner() throws {
        let keys = try Fixtures.keys.get()
        XCTAssertThrowsError(try keys.verifier().verify(try sign(keys.tls))) { error in
            XCTAssertEqual(error as? SignatureFailure, .notASigningCertificate)
            XCTAssertEqual((error as? SignatureFailure)?.code, "KP-G012")
        }
    }

    func testSigningPurposesAreAccepted() throws {
        let keys = try Fixtures.keys.get()
        XCTAssertEqual(try keys.verifier().verify(try sign(keys.nonRepudiationOnly)).oin, "00000099000000000995")
        XCTAssertEqual(try keys.verifier().verify(try sign(keys.tlsAndDocumentSigning)).oin, "00000099000000000994")
        XCTAssertEqual(try keys.verifier().verify(try sign(keys.rsa)).oin, "00000099000000000900")
    }

    func testDevelopmentPKISigningCertificatesSignAndItsTLSCertificatesDoNot() throws {
        var options = DevelopmentPKI.Options()
        options.caKeyType = .p256
        options.tlsKeyType = .p256
        options.signingKeyType = .p256
        options.parties = [DevelopmentParty.gateway] + DevelopmentParty.all.filter { $0.role == .victimSupport }
        XCTAssertEqual(options.parties.count, 2)
        let pki = try DevelopmentPKI.create(in: Fixtures.temporaryDirectory().appendingPathComponent("pki").path, options: options)
        let verifier = try SignatureVerifier(trustAnchorsFile: URL(fileURLWithPath: pki.path(DevelopmentPKI.caCertificateFile)))
        let message = try Fixtures.example("valid/zorgmelding-rotterdam-kind.xml")
        for party in pki.manifest.parties {
            let signing = try XMLSigner(keyFile: URL(fileURLWithPath: pki.path(party.signingKey)),
                                        certificateFile: URL(fileURLWithPath: pki.path(party.signingCertificate)))
            XCTAssertEqual(try verifier.verify(try signing.sign(message)).oin, party.oin, party.name)
            let tls = try XMLSigner(keyFile: URL(fileURLWithPath: pki.path(party.tlsKey)),
                                    certificateFile: URL(fileURLWithPath: pki.path(party.tlsCertificate)))
            XCTAssertThrowsError(try verifier.verify(try tls.sign(message)), party.name) { error in
                XCTAssertEqual(error as? SignatureFailure, .notASigningCertificate)
            }
        }
    }
}
