import Foundation
import KetenpoortPKI
import XCTest

/// The development keys and certificates work with the `xmlsec1` command-line tool (RSA and ECDSA).
final class XMLSecInteropTests: XCTestCase {
    private static let xmlsec = "/usr/bin/xmlsec1"

    private func template(signatureMethod: String) -> String {
        """
        <?xml version="1.0" encoding="UTF-8"?>
        <Bericht xmlns="urn:ketenpoort:test"><Inhoud>test</Inhoud><Signature xmlns="http://www.w3.org/2000/09/xmldsig#">\
        <SignedInfo><CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>\
        <SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#\(signatureMethod)"/>\
        <Reference URI=""><Transforms><Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>\
        <Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/></Transforms>\
        <DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><DigestValue/></Reference></SignedInfo>\
        <SignatureValue/><KeyInfo><X509Data><X509Certificate/></X509Data></KeyInfo></Signature></Bericht>

        """
    }

    private func run(_ arguments: [String]) throws -> OpenSSLTool.Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.xmlsec)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return OpenSSLTool.Result(status: process.terminationStatus, output: String(decoding: data, as: UTF8.self))
    }

    private func signAndVerify(keyType: KeyType, method: String) throws {
        let pki = try TestPKI.get()
        let directory = try temporaryDirectory(prefix: "ketenpoort-xmlsec")
        let join = { (name: String) in (directory as NSString).appendingPathComponent(name) }
        let issued = try pki.authority.issue(
            .signing(subject: DevelopmentParty.gateway.subject(purpose: "signing"), keyType: keyType))
        try issued.write(certificateTo: join("sign.pem"), keyTo: join("sign-key.pem"))
        try SecureFile.write(template(signatureMethod: method), to: join("template.xml"), mode: 0o644)
        let sign = try run([
            "--sign", "--privkey-pem", "\(join("sign-key.pem")),\(join("sign.pem"))",
            "--output", join("signed.xml"), join("template.xml"),
        ])
        XCTAssertTrue(sign.succeeded, sign.output)
        let verify = try run(["--verify", "--trusted-pem", pki.path("ca.pem"), join("signed.xml")])
        XCTAssertTrue(verify.succeeded, verify.output)

        let rogue = try CertificateAuthority.create(
            subject: SubjectName(organization: "Rogue", commonName: "untrusted"), keyType: .rsa2048)
        try SecureFile.write(try rogue.issued.certificatePEM(), to: join("rogue-ca.pem"), mode: 0o644)
        let untrusted = try run(["--verify", "--trusted-pem", join("rogue-ca.pem"), join("signed.xml")])
        XCTAssertFalse(untrusted.succeeded, untrusted.output)
    }

    func testRSASigningKeyWorksInXMLSec() throws {
        try signAndVerify(keyType: .rsa2048, method: "rsa-sha256")
    }

    func testECDSASigningKeyWorksInXMLSec() throws {
        try signAndVerify(keyType: .p256, method: "ecdsa-sha256")
    }
}
