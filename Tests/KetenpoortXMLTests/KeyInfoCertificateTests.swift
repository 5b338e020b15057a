import Foundation
import KetenpoortPKI
import KetenpoortXML
import XCTest

/// The certificates a signer puts in KeyInfo: the signing certificate with its intermediates, and
/// verification keys that are kept between verifications without skipping any check.
final class KeyInfoCertificateTests: XCTestCase {
    private struct Chain {
        let rootPEM: Data
        let intermediatePEM: String
        let leaf: KeyPair
        let unrelatedPEM: String
    }

    private static func chain() throws -> Chain {
        let root = try CertificateAuthority.create(
            subject: SubjectName(organization: "Ketenpoort test", commonName: "TEST ONLY root"), keyType: .p256)
        let intermediate = try CertificateAuthority(root.issue(.certificateAuthority(
            subject: SubjectName(organization: "Ketenpoort test", commonName: "TEST ONLY intermediate"), keyType: .p256)))
        let subject = SubjectName(organization: "Test shn", organizationalUnit: "TEST ONLY", commonName: "TEST ONLY shn",
                                  oin: "00000099000000000101")
        let leaf = try KeyPair(intermediate.issue(.signing(subject: subject, keyType: .p256)))
        let unrelated = try root.issue(.signing(subject: SubjectName(organization: "Test om", commonName: "TEST ONLY om",
                                                                     oin: "00000099000000000102"), keyType: .p256))
        return Chain(rootPEM: Data(try root.issued.certificatePEM().utf8),
                     intermediatePEM: try intermediate.issued.certificatePEM(), leaf: leaf,
                     unrelatedPEM: try unrelated.certificatePEM())
    }

    /// The base64 body of a PEM certificate, as it appears in ds:X509Certificate.
    private static func body(_ pem: String) -> String {
        pem.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined(separator: "\n")
    }

    /// The signed message with `extra` certificates added after the signing certificate in X509Data.
    private static func signed(by leaf: KeyPair, adding extra: [String]) throws -> Data {
        let text = try leaf.signer().sign(Fixtures.example("valid/zorgmelding-rotterdam-kind.xml")).text
        let added = extra.map { "<ds:X509Certificate>\(body($0))</ds:X509Certificate>" }.joined()
        let range = try XCTUnwrap(text.range(of: "</ds:X509Certificate>"))
        return Data(text.replacingCharacters(in: range, with: "</ds:X509Certificate>" + added).utf8)
    }

    func testIntermediateInKeyInfoCompletesTheChainToTheRoot() throws {
        let chain = try Self.chain()
        let verifier = try SignatureVerifier(trustAnchorsPEM: chain.rootPEM)
        let identity = try verifier.verify(Self.signed(by: chain.leaf, adding: [chain.intermediatePEM]))
        XCTAssertEqual(identity.oin, "00000099000000000101")
        XCTAssertTrue(identity.subject.contains("TEST ONLY shn"), identity.subject)
    }

    func testIntermediateBeforeTheSigningCertificateIsFoundToo() throws {
        let chain = try Self.chain()
        let verifier = try SignatureVerifier(trustAnchorsPEM: chain.rootPEM)
        var text = String(decoding: try Self.signed(by: chain.leaf, adding: []), as: UTF8.self)
        let range = try XCTUnwrap(text.range(of: "<ds:X509Certificate>"))
        text.replaceSubrange(range, with: "<ds:X509Certificate>\(Self.body(chain.intermediatePEM))</ds:X509Certificate><ds:X509Certificate>")
        XCTAssertEqual(try verifier.verify(Data(text.utf8)).oin, "00000099000000000101")
    }

    func testWithoutTheIntermediateTheSignerIsUntrusted() throws {
        let chain = try Self.chain()
        let verifier = try SignatureVerifier(trustAnchorsPEM: chain.rootPEM)
        XCTAssertThrowsError(try verifier.verify(Self.signed(by: chain.leaf, adding: []))) { error in
            XCTAssertEqual(error as? SignatureFailure, .untrustedCertificate)
        }
    }

    func testTwoPossibleSigningCertificatesAreRefused() throws {
        // An unrelated trusted certificate beside the signer's: which one signed is not for KeyInfo to leave open.
        let chain = try Self.chain()
        let verifier = try SignatureVerifier(trustAnchorsPEM: chain.rootPEM)
        XCTAssertThrowsError(try verifier.verify(Self.signed(by: chain.leaf, adding: [chain.intermediatePEM, chain.unrelatedPEM]))) { error in
            XCTAssertEqual(error as? SignatureFailure, .untrustedCertificate)
        }
    }

    func testCertificateThatIsNotBase64IsRefusedByTheProfile() throws {
        let chain = try Self.chain()
        let verifier = try SignatureVerifier(trustAnchorsPEM: chain.rootPEM)
        let text = String(decoding: try Self.signed(by: chain.leaf, adding: []), as: UTF8.self)
        let start = try XCTUnwrap(text.range(of: "<ds:X509Certificate>")).upperBound
        let broken = text.replacingCharacters(in: start..<text.index(start, offsetBy: 4), with: "*!*!")
        XCTAssertThrowsError(try verifier.verify(Data(broken.utf8))) { error in
            XCTAssertEqual(error as? SignatureFailure, .profile("an X509Certificate is not a base64 certificate"))
        }
    }

    func testAKeptKeyStillHasItsCertificateCheckedAtEachVerification() throws {
        // The first verification makes and keeps the key; later ones must still check validity and content.
        let keys = try Fixtures.keys.get()
        let verifier = try keys.verifier()
        let signed = try keys.rsa.signer().sign(Fixtures.example("valid/zorgmelding-rotterdam-kind.xml"))
        XCTAssertEqual(try verifier.verify(signed).oin, "00000099000000000900")
        XCTAssertThrowsError(try verifier.verify(signed, at: Date().addingTimeInterval(86400 * 900))) { error in
            XCTAssertEqual(error as? SignatureFailure, .certificateNotValidNow)
        }
        let changed = String(decoding: signed, as: UTF8.self)
            .replacingOccurrences(of: "<Afhandeling>geen</Afhandeling>", with: "<Afhandeling>huisverbod</Afhandeling>")
        XCTAssertThrowsError(try verifier.verify(Data(changed.utf8))) { error in
            XCTAssertEqual(error as? SignatureFailure, .invalid)
        }
        XCTAssertEqual(try verifier.verify(signed).oin, "00000099000000000900")
        // Another trust configuration does not inherit the first one's decisions.
        let stranger = try SignatureVerifier(trustAnchorsPEM: Data(try CertificateAuthority.create(
            subject: SubjectName(organization: "Elsewhere", commonName: "TEST ONLY other root"), keyType: .p256).issued.certificatePEM().utf8))
        XCTAssertThrowsError(try stranger.verify(signed)) { error in
            XCTAssertEqual(error as? SignatureFailure, .untrustedCertificate)
        }
    }
}
