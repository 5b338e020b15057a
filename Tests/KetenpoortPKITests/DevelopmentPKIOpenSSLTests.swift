import Foundation
import KetenpoortPKI
import XCTest

/// Checks the development PKI with the real `openssl` command-line tool.
final class DevelopmentPKIOpenSSLTests: XCTestCase {
    func testEveryLeafVerifiesAgainstTheCA() throws {
        try OpenSSLTool.requireInstalled()
        let pki = try TestPKI.get()
        let ca = pki.path(DevelopmentPKI.caCertificateFile)
        for leaf in TestPKI.leafFiles(pki) {
            let plain = try OpenSSLTool.run(["verify", "-CAfile", ca, leaf.certificate])
            XCTAssertTrue(plain.succeeded, "\(leaf.certificate): \(plain.output)")
            XCTAssertTrue(plain.output.contains(": OK"), plain.output)
            guard leaf.isTLS else { continue }
            for purpose in ["sslserver", "sslclient"] {
                let result = try OpenSSLTool.run(["verify", "-CAfile", ca, "-purpose", purpose, leaf.certificate])
                XCTAssertTrue(result.succeeded, "\(leaf.certificate) as \(purpose): \(result.output)")
            }
        }
    }

    func testSigningCertificatesAreNotTLSCertificates() throws {
        try OpenSSLTool.requireInstalled()
        let pki = try TestPKI.get()
        let ca = pki.path(DevelopmentPKI.caCertificateFile)
        for party in pki.manifest.parties {
            for purpose in ["sslserver", "sslclient"] {
                let signing = pki.path(party.signingCertificate)
                let result = try OpenSSLTool.run(["verify", "-CAfile", ca, "-purpose", purpose, signing])
                XCTAssertFalse(result.succeeded, "\(signing) must not pass as \(purpose): \(result.output)")
                XCTAssertTrue(result.output.contains("unsuitable certificate purpose"), result.output)
            }
        }
    }

    func testSubjectSerialNumberIsTheOIN() throws {
        try OpenSSLTool.requireInstalled()
        let pki = try TestPKI.get()
        for party in pki.manifest.parties {
            for file in [party.tlsCertificate, party.signingCertificate] {
                let result = try OpenSSLTool.run(["x509", "-in", pki.path(file), "-noout", "-subject", "-nameopt", "RFC2253"])
                XCTAssertTrue(result.succeeded, result.output)
                XCTAssertTrue(result.output.contains("serialNumber=\(party.oin),"), "\(file): \(result.output)")
                XCTAssertTrue(result.output.contains("C=NL"), result.output)
                XCTAssertTrue(result.output.contains("O=\(party.organisation)"), result.output)
                XCTAssertTrue(result.output.contains("DEVELOPMENT ONLY"), result.output)
                let info = try CertificateInfo(file: pki.path(file))
                XCTAssertEqual(info.oin, party.oin, file)
                XCTAssertEqual(info.organization, party.organisation, file)
            }
        }
    }

    func testOINsAreTheInventedOnes() throws {
        let pki = try TestPKI.get()
        let expected = [
            "gateway": "00000099000000000900", "politie-rotterdam": "00000099000000000001",
            "politie-amsterdam": "00000099000000000002", "politie-den-haag": "00000099000000000003",
            "politie-midden-nederland": "00000099000000000004", "shn": "00000099000000000101", "om": "00000099000000000102",
            "vt-amsterdam-amstelland": "00000099000000000210", "vt-rotterdam-rijnmond": "00000099000000000211",
            "vt-haaglanden": "00000099000000000212", "vt-utrecht": "00000099000000000213",
        ]
        XCTAssertEqual(Dictionary(uniqueKeysWithValues: pki.manifest.parties.map { ($0.name, $0.oin) }), expected)
    }

    func testKeyUsageAndExtendedKeyUsage() throws {
        try OpenSSLTool.requireInstalled()
        let pki = try TestPKI.get()
        for party in pki.manifest.parties {
            let tls = try OpenSSLTool.run(
                ["x509", "-in", pki.path(party.tlsCertificate), "-noout", "-ext", "keyUsage,extendedKeyUsage"])
            XCTAssertTrue(tls.succeeded, tls.output)
            XCTAssertTrue(tls.output.contains("X509v3 Key Usage: critical"), tls.output)
            XCTAssertTrue(tls.output.contains("Digital Signature"), tls.output)
            XCTAssertTrue(tls.output.contains("TLS Web Server Authentication"), tls.output)
            XCTAssertTrue(tls.output.contains("TLS Web Client Authentication"), tls.output)

            let signing = try OpenSSLTool.run(
                ["x509", "-in", pki.path(party.signingCertificate), "-noout", "-ext", "keyUsage,extendedKeyUsage"])
            XCTAssertTrue(signing.succeeded, signing.output)
            XCTAssertTrue(signing.output.contains("X509v3 Key Usage: critical"), signing.output)
            XCTAssertTrue(signing.output.contains("Digital Signature, Non Repudiation"), signing.output)
            XCTAssertFalse(signing.output.contains("TLS Web"), signing.output)
            XCTAssertTrue(signing.output.contains("1.3.6.1.5.5.7.3.36"), signing.output)
        }
    }

    func testCAExtensions() throws {
        try OpenSSLTool.requireInstalled()
        let pki = try TestPKI.get()
        let result = try OpenSSLTool.run(["x509", "-in", pki.path("ca.pem"), "-noout", "-text"])
        XCTAssertTrue(result.succeeded, result.output)
        XCTAssertTrue(result.output.contains("X509v3 Basic Constraints: critical"), result.output)
        XCTAssertTrue(result.output.contains("CA:TRUE"), result.output)
        XCTAssertTrue(result.output.contains("X509v3 Key Usage: critical"), result.output)
        XCTAssertTrue(result.output.contains("Certificate Sign, CRL Sign"), result.output)
        XCTAssertTrue(result.output.contains("X509v3 Subject Key Identifier"), result.output)
        XCTAssertTrue(result.output.contains("Public-Key: (3072 bit)"), result.output)
        XCTAssertTrue(result.output.contains("sha256WithRSAEncryption"), result.output)
    }

    func testTLSCertificatesHaveLocalhostNames() throws {
        try OpenSSLTool.requireInstalled()
        let pki = try TestPKI.get()
        let result = try OpenSSLTool.run(["x509", "-in", pki.path("shn-tls.pem"), "-noout", "-ext", "subjectAltName"])
        XCTAssertTrue(result.output.contains("DNS:localhost"), result.output)
        XCTAssertTrue(result.output.contains("IP Address:127.0.0.1"), result.output)
        XCTAssertTrue(result.output.contains("IP Address:0:0:0:0:0:0:0:1"), result.output)
        for host in [["-verify_hostname", "localhost"], ["-verify_ip", "127.0.0.1"], ["-verify_ip", "::1"]] {
            let verify = try OpenSSLTool.run(
                ["verify", "-CAfile", pki.path("ca.pem"), "-purpose", "sslserver"] + host + [pki.path("shn-tls.pem")])
            XCTAssertTrue(verify.succeeded, "\(host): \(verify.output)")
        }
    }

    func testKeyFilesAreMode0600AndLoadInOpenSSL() throws {
        try OpenSSLTool.requireInstalled()
        let pki = try TestPKI.get()
        let keys = [pki.path(DevelopmentPKI.caKeyFile)] + TestPKI.leafFiles(pki).map(\.key)
        for key in keys {
            XCTAssertEqual(try SecureFile.mode(of: key), 0o600, key)
            let text = try String(contentsOfFile: key, encoding: .utf8)
            XCTAssertTrue(text.hasPrefix("-----BEGIN PRIVATE KEY-----\n"), "\(key) is not PKCS#8 PEM")
            let result = try OpenSSLTool.run(["pkey", "-in", key, "-noout"])
            XCTAssertTrue(result.succeeded, "\(key): \(result.output)")
        }
        for leaf in TestPKI.leafFiles(pki) {
            XCTAssertEqual(try SecureFile.mode(of: leaf.certificate), 0o644, leaf.certificate)
        }
    }

    func testKeysMatchTheirCertificates() throws {
        try OpenSSLTool.requireInstalled()
        let pki = try TestPKI.get()
        for leaf in TestPKI.leafFiles(pki).prefix(4) {
            let fromKey = try OpenSSLTool.run(["pkey", "-in", leaf.key, "-pubout"])
            let fromCertificate = try OpenSSLTool.run(["x509", "-in", leaf.certificate, "-noout", "-pubkey"])
            XCTAssertTrue(fromKey.succeeded && fromCertificate.succeeded)
            XCTAssertEqual(fromKey.output, fromCertificate.output, leaf.certificate)
        }
    }
}
