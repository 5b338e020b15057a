import Foundation
import KetenpoortPKI
import XCTest

/// Reading certificates: subject, OIN, issuer, validity, fingerprint, key type, bundles and DER.
final class CertificateInfoTests: XCTestCase {
    func testReadsLeafCertificate() throws {
        let pki = try TestPKI.get()
        let info = try CertificateInfo(file: pki.path("vt-haaglanden-tls.pem"))
        XCTAssertEqual(info.oin, "00000099000000000212")
        XCTAssertEqual(info.organization, "Veilig Thuis Haaglanden")
        XCTAssertEqual(info.commonName, "DEVELOPMENT ONLY – Veilig Thuis Haaglanden TLS")
        XCTAssertTrue(info.subject.hasPrefix("CN=DEVELOPMENT ONLY – Veilig Thuis Haaglanden TLS,serialNumber=00000099000000000212,"))
        XCTAssertTrue(info.subject.hasSuffix(",O=Veilig Thuis Haaglanden,C=NL"), info.subject)
        XCTAssertTrue(info.issuer.contains("Ketenpoort Development CA"), info.issuer)
        XCTAssertEqual(info.keyType, "RSA-2048")
        XCTAssertFalse(info.isCertificateAuthority)
        XCTAssertEqual(info.keyUsage, [.digitalSignature, .keyEncipherment])
        XCTAssertEqual(info.extendedKeyUsage, ["serverAuth", "clientAuth"])
        XCTAssertEqual(info.subjectAlternativeNames, ["DNS:localhost", "IP:127.0.0.1", "IP:::1"])
        XCTAssertEqual(info.validity(), .valid)
        XCTAssertTrue((363...365).contains(info.daysUntilExpiry()), "\(info.daysUntilExpiry())")
    }

    func testCAHasNoOIN() throws {
        let pki = try TestPKI.get()
        let info = try CertificateInfo(file: pki.path("ca.pem"))
        XCTAssertNil(info.oin)
        XCTAssertTrue(info.isCertificateAuthority)
        XCTAssertTrue(info.isSelfIssued)
        XCTAssertEqual(info.keyType, "RSA-3072")
        XCTAssertEqual(info.subject, info.issuer)
        XCTAssertTrue((1824...1827).contains(info.daysUntilExpiry()), "\(info.daysUntilExpiry())")
    }

    func testReadsDERBytesAsTheDaemonWill() throws {
        let pki = try TestPKI.get()
        let issued = try pki.authority.issue(.tls(subject: DevelopmentParty.gateway.subject(purpose: "TLS")))
        let info = try CertificateInfo(derBytes: try issued.derBytes())
        XCTAssertEqual(info.oin, "00000099000000000900")
        XCTAssertThrowsError(try CertificateInfo(derBytes: [0x30, 0x03, 0x02, 0x01, 0x01])) { error in
            XCTAssertTrue(String(describing: error).contains("not a valid X.509 certificate"), "\(error)")
        }
    }

    func testFingerprintMatchesOpenSSL() throws {
        try OpenSSLTool.requireInstalled()
        let pki = try TestPKI.get()
        let file = pki.path("om-sign.pem")
        let result = try OpenSSLTool.run(["x509", "-in", file, "-noout", "-fingerprint", "-sha256"])
        XCTAssertTrue(result.succeeded, result.output)
        let info = try CertificateInfo(file: file)
        XCTAssertEqual(result.output.trimmingCharacters(in: .whitespacesAndNewlines), "sha256 Fingerprint=\(info.sha256Fingerprint)")
    }

    func testSubjectMatchesOpenSSLForASCIINames() throws {
        try OpenSSLTool.requireInstalled()
        let pki = try TestPKI.get()
        let issued = try pki.authority.issue(
            .signing(subject: SubjectName(
                organization: "Openbaar Ministerie", organizationalUnit: "Test, with comma",
                commonName: "DEVELOPMENT ONLY - OM", oin: "00000099000000000102")))
        let directory = try temporaryDirectory(prefix: "ketenpoort-subject")
        let file = (directory as NSString).appendingPathComponent("om.pem")
        try issued.write(certificateTo: file, keyTo: file + ".key")
        let result = try OpenSSLTool.run(["x509", "-in", file, "-noout", "-subject", "-nameopt", "RFC2253"])
        XCTAssertEqual(result.output.trimmingCharacters(in: .whitespacesAndNewlines), "subject=\(try CertificateInfo(file: file).subject)")
    }

    func testOINMustBeTwentyDigits() throws {
        let pki = try TestPKI.get()
        for bad in ["123", "0000009900000000000A", "000000990000000000012"] {
            let issued = try pki.authority.issue(
                .tls(subject: SubjectName(organization: "X", commonName: "DEVELOPMENT ONLY – bad OIN", oin: bad)))
            XCTAssertNil(try CertificateInfo(certificate: issued.certificate).oin, bad)
        }
        let none = try pki.authority.issue(.tls(subject: SubjectName(organization: "X", commonName: "no OIN")))
        XCTAssertNil(try CertificateInfo(certificate: none.certificate).oin)
        XCTAssertTrue(OIN.isValid("00000099000000000212"))
        XCTAssertFalse(OIN.isValid("0000009900000000021２"))
    }

    func testLoadsPEMBundle() throws {
        let pki = try TestPKI.get()
        let directory = try temporaryDirectory(prefix: "ketenpoort-bundle")
        let bundle = (directory as NSString).appendingPathComponent("bundle.pem")
        let text = try ["shn-tls.pem", "ca.pem", "om-sign.pem"].map {
            try String(contentsOfFile: pki.path($0), encoding: .utf8)
        }.joined()
        try SecureFile.write(text, to: bundle, mode: 0o644)
        let infos = try CertificateInfo.loadBundle(file: bundle)
        XCTAssertEqual(infos.map(\.oin), ["00000099000000000101", nil, "00000099000000000102"])
        XCTAssertEqual(try CertificateInfo.load(file: bundle).oin, "00000099000000000101")
        XCTAssertThrowsError(try CertificateInfo(file: bundle))
    }

    func testErrorsNameTheFile() throws {
        let directory = try temporaryDirectory(prefix: "ketenpoort-errors")
        let missing = (directory as NSString).appendingPathComponent("missing.pem")
        XCTAssertThrowsError(try CertificateInfo.loadBundle(file: missing)) { error in
            XCTAssertTrue(String(describing: error).hasPrefix(missing), "\(error)")
        }
        let keyOnly = (directory as NSString).appendingPathComponent("key.pem")
        try SecureFile.write("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", to: keyOnly, mode: 0o600)
        XCTAssertThrowsError(try CertificateInfo.loadBundle(file: keyOnly)) { error in
            XCTAssertEqual(error as? PKIError, .noCertificate(path: keyOnly))
        }
    }
}

/// Reading the signing certificates' usages.
final class SigningCertificateInfoTests: XCTestCase {
    func testSigningCertificateUsages() throws {
        let pki = try TestPKI.get()
        let info = try CertificateInfo(file: pki.path("gateway-sign.pem"))
        XCTAssertEqual(info.keyUsage, [.digitalSignature, .nonRepudiation])
        XCTAssertEqual(info.extendedKeyUsage, ["documentSigning"])
        XCTAssertEqual(info.subjectAlternativeNames, [])
        XCTAssertEqual(info.oin, "00000099000000000900")
    }

    func testDevelopmentSigningCertificatesMaySignMessagesAndTLSCertificatesMayNot() throws {
        let pki = try TestPKI.get()
        for party in pki.manifest.parties {
            XCTAssertTrue(try CertificateInfo(file: pki.path(party.signingCertificate)).maySignMessages, party.name)
            XCTAssertFalse(try CertificateInfo(file: pki.path(party.tlsCertificate)).maySignMessages, party.name)
        }
        XCTAssertTrue(MessageSigningPurpose.allows(keyUsage: [.nonRepudiation], extendedKeyUsage: []))
        XCTAssertTrue(MessageSigningPurpose.allows(keyUsage: [.digitalSignature], extendedKeyUsage: ["serverAuth", "documentSigning"]))
        XCTAssertFalse(MessageSigningPurpose.allows(keyUsage: [.digitalSignature], extendedKeyUsage: ["clientAuth"]))
        XCTAssertFalse(MessageSigningPurpose.allows(keyUsage: [.keyEncipherment], extendedKeyUsage: ["documentSigning"]))
    }
}
