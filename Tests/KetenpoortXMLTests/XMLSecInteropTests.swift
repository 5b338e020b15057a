import Foundation
import KetenpoortXML
import XCTest

/// The `xmlsec1` command-line tool, used to prove interoperability with partners' own tools.
enum XMLSecTool {
    static let path = "/usr/bin/xmlsec1"

    /// A message template in the agreed profile with the given algorithms, signed by `xmlsec1 --sign`.
    static func signTemplate(keys: KeyPair, signatureMethod: String, digestMethod: String, hmacKey: String? = nil) throws -> String {
        let directory = try Fixtures.temporaryDirectory()
        let (cert, key) = try keys.write(to: directory, name: "signer")
        var message = try Fixtures.example("valid/zorgmelding-rotterdam-kind.xml").text
        let keyInfo = hmacKey == nil ? "<ds:KeyInfo><ds:X509Data><ds:X509Certificate/></ds:X509Data></ds:KeyInfo>" : ""
        let template = """
            <ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo>\
            <ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>\
            <ds:SignatureMethod Algorithm="\(signatureMethod)"/><ds:Reference URI=""><ds:Transforms>\
            <ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>\
            <ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/></ds:Transforms>\
            <ds:DigestMethod Algorithm="\(digestMethod)"/><ds:DigestValue/></ds:Reference></ds:SignedInfo>\
            <ds:SignatureValue/>\(keyInfo)</ds:Signature></Zorgmelding>
            """
        message = message.replacingOccurrences(of: "</Zorgmelding>", with: template)
        let templateFile = directory.appendingPathComponent("template.xml")
        let output = directory.appendingPathComponent("signed.xml")
        try Data(message.utf8).write(to: templateFile)
        var arguments = ["--sign", "--output", output.path]
        if let hmacKey {
            let keyFile = directory.appendingPathComponent("hmac.key")
            try Data(hmacKey.utf8).write(to: keyFile)
            arguments += ["--hmackey", keyFile.path]
        } else {
            arguments += ["--privkey-pem", "\(key),\(cert)"]
        }
        let result = try runTool(path, arguments + [templateFile.path])
        guard result.status == 0 else { throw XMLSecToolError(output: result.output) }
        return try Data(contentsOf: output).text
    }
}

struct XMLSecToolError: Error { let output: String }

/// Signatures made here verify with xmlsec1, and signatures made by xmlsec1 verify here.
final class XMLSecInteropTests: XCTestCase {
    func testKetenpoortSignatureVerifiesWithXmlsec1() throws {
        let keys = try Fixtures.keys.get()
        let directory = try Fixtures.temporaryDirectory()
        for (name, pair) in [("rsa", keys.rsa), ("ecdsa", keys.ecdsa)] {
            let signed = try pair.signer().sign(Fixtures.example("valid/zorgmelding-10kb.xml"))
            let file = directory.appendingPathComponent("\(name).xml")
            try signed.write(to: file)
            let ca = directory.appendingPathComponent("ca.pem")
            try keys.caPEM.write(to: ca)
            let result = try runTool(XMLSecTool.path, ["--verify", "--trusted-pem", ca.path, "--enabled-reference-uris", "empty", file.path])
            XCTAssertEqual(result.status, 0, result.output)
            XCTAssertTrue(result.output.contains("OK"), result.output)
            // And a changed copy fails with xmlsec1 too: the check above is not vacuous.
            let tampered = signed.text.replacingOccurrences(of: "<Afhandeling>", with: "<Afhandeling> ")
            try Data(tampered.utf8).write(to: file)
            XCTAssertNotEqual(try runTool(XMLSecTool.path, ["--verify", "--trusted-pem", ca.path, file.path]).status, 0)
        }
    }

    func testXmlsec1SignatureVerifiesInKetenpoort() throws {
        let keys = try Fixtures.keys.get()
        for (pair, method, oin) in [
            (keys.rsa, "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256", "00000099000000000900"),
            (keys.ecdsa, "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256", "00000099000000000101"),
        ] {
            let signed = try XMLSecTool.signTemplate(keys: pair, signatureMethod: method, digestMethod: "http://www.w3.org/2001/04/xmlenc#sha256")
            XCTAssertEqual(try keys.verifier().verify(Data(signed.utf8)).oin, oin)
        }
    }
}
