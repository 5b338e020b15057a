import Foundation
import KetenpoortXML
import XCTest

/// Signing and verifying: round trips, names, concurrency.
final class SignatureTests: XCTestCase {
    private func keys() throws -> TestKeys { try Fixtures.keys.get() }

    func testRSASignatureVerifiesAndNamesTheSigner() throws {
        let keys = try keys()
        let signed = try keys.rsa.signer().sign(Fixtures.example("valid/zorgmelding-rotterdam-kind.xml"))
        let signer = try keys.verifier().verify(signed)
        XCTAssertEqual(signer.oin, "00000099000000000900")
        XCTAssertTrue(signer.subject.contains("TEST ONLY gateway"), signer.subject)
        XCTAssertTrue(signed.text.contains("rsa-sha256"))
    }

    func testECDSASignatureVerifies() throws {
        let keys = try keys()
        let signer = try keys.ecdsa.signer()
        XCTAssertEqual(signer.algorithm, .ecdsaSHA256)
        let signed = try signer.sign(Fixtures.example("valid/slachtofferverwijzing-utrecht.xml"))
        XCTAssertEqual(try keys.verifier().verify(signed).oin, "00000099000000000101")
    }

    func testSignatureIsTheLastChildAndFollowsTheProfile() throws {
        let keys = try keys()
        let signed = try keys.rsa.signer().sign(Fixtures.example("valid/zorgmelding-rotterdam-kind.xml")).text
        XCTAssertTrue(signed.contains("<ds:Reference URI=\"\">"))
        XCTAssertTrue(signed.contains("http://www.w3.org/2000/09/xmldsig#enveloped-signature"))
        XCTAssertTrue(signed.contains("http://www.w3.org/2001/10/xml-exc-c14n#"))
        XCTAssertTrue(signed.contains("http://www.w3.org/2001/04/xmlenc#sha256"))
        XCTAssertTrue(signed.trimmingCharacters(in: .whitespacesAndNewlines).hasSuffix("</ds:Signature></Zorgmelding>"))
    }

    func testSignedMessageStillPassesItsSchema() throws {
        let keys = try keys()
        let signed = try keys.rsa.signer().sign(Fixtures.example("valid/zorgmelding-rotterdam-kind.xml"))
        XCTAssertEqual(try Fixtures.schema("Zorgmelding.xsd").validate(SafeXMLReader().read(signed)), [])
    }

    func testSmallRSAKeysAreRefused() throws {
        let key = try runTool("/usr/bin/openssl", ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024"])
        XCTAssertEqual(key.status, 0)
        XCTAssertThrowsError(try XMLSigner(privateKeyPEM: Data(key.output.utf8), certificatePEM: Data()))
    }

    func testGarbageKeyIsAClearError() {
        XCTAssertThrowsError(try XMLSigner(privateKeyPEM: Data("nonsense".utf8), certificatePEM: Data())) { error in
            XCTAssertEqual(error as? SigningError, .keyNotLoaded)
        }
    }

    func testVerificationAfterTheCertificateExpiresFails() throws {
        let keys = try keys()
        let signed = try keys.rsa.signer().sign(Fixtures.example("valid/zorgmelding-rotterdam-kind.xml"))
        let document = try SafeXMLReader().read(signed)
        XCTAssertThrowsError(try keys.verifier().verify(document, at: Date().addingTimeInterval(86400 * 900))) { error in
            XCTAssertEqual(error as? SignatureFailure, .certificateNotValidNow)
        }
    }

    func testSigningAnAlreadySignedDocumentFailsTheProfileCheckInsteadOfSigningTwice() throws {
        let keys = try keys()
        let signer = try keys.rsa.signer()
        let once = try signer.sign(Fixtures.example("valid/zorgmelding-rotterdam-kind.xml"))
        let document = try SafeXMLReader().read(once)
        XCTAssertThrowsError(try signer.sign(document)) { error in
            XCTAssertEqual(error as? SigningError, .profileViolation(.multiple))
        }
        XCTAssertThrowsError(try signer.sign(once), "the bytes form checks the same")
    }

    func testSignedOutputPassesTheProfileCheckForEveryExample() throws {
        let keys = try keys()
        let signer = try keys.ecdsa.signer()
        for name in ["zorgmelding-rotterdam-kind.xml", "zorgmelding-10kb.xml", "slachtofferverwijzing-utrecht.xml", "ontvangstbevestiging-geweigerd.xml"] {
            let document = try SafeXMLReader().read(Fixtures.example("valid/" + name))
            XCTAssertNoThrow(try signer.sign(document), name)
            XCTAssertTrue(document.containsSignatureElements, name)
            XCTAssertNil(document.contentRoot()?.elements { $0.namespace == "http://www.w3.org/2000/09/xmldsig#" }.first, name)
        }
    }

    func testManyTasksSignAndVerifyAtOnce() async throws {
        let keys = try keys()
        let rsa = try keys.rsa.signer()
        let ecdsa = try keys.ecdsa.signer()
        let verifier = try keys.verifier()
        let message = try Fixtures.example("valid/zorgmelding-10kb.xml")
        let verified = try await withThrowingTaskGroup(of: Int.self) { group in
            for task in 0..<12 {
                group.addTask {
                    var ok = 0
                    for _ in 0..<15 {
                        let signer = task % 2 == 0 ? rsa : ecdsa
                        let signed = try signer.sign(message)
                        let identity = try verifier.verify(signed)
                        if identity.oin == (task % 2 == 0 ? "00000099000000000900" : "00000099000000000101") { ok += 1 }
                    }
                    return ok
                }
            }
            return try await group.reduce(0, +)
        }
        XCTAssertEqual(verified, 12 * 15)
    }
}
