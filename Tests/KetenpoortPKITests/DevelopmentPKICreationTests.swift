import Foundation
import KetenpoortPKI
import XCTest

/// Creating, refusing to overwrite, and reloading a development PKI.
final class DevelopmentPKICreationTests: XCTestCase {
    func testWritesAllFilesAndManifest() throws {
        let pki = try TestPKI.get()
        let files = try FileManager.default.contentsOfDirectory(atPath: pki.directory)
        XCTAssertEqual(files.count, 2 + 1 + 11 * 4, files.sorted().joined(separator: " "))
        for name in ["gateway", "politie-rotterdam", "politie-amsterdam", "politie-den-haag", "politie-midden-nederland", "shn", "om",
                     "vt-amsterdam-amstelland", "vt-rotterdam-rijnmond", "vt-haaglanden", "vt-utrecht"] {
            for suffix in ["-tls.pem", "-tls-key.pem", "-sign.pem", "-sign-key.pem"] {
                XCTAssertTrue(files.contains(name + suffix), name + suffix)
            }
        }
        let manifest = try DevelopmentPKIManifest.load(file: pki.path(DevelopmentPKI.manifestFile))
        XCTAssertEqual(manifest, pki.manifest)
        XCTAssertEqual(manifest.party(named: "shn")?.oin, "00000099000000000101")
        XCTAssertEqual(manifest.party(oin: "00000099000000000211")?.name, "vt-rotterdam-rijnmond")
    }

    func testRefusesToOverwriteWithoutForce() throws {
        let pki = try TestPKI.get()
        XCTAssertTrue(DevelopmentPKI.exists(in: pki.directory))
        XCTAssertThrowsError(try DevelopmentPKI.create(in: pki.directory)) { error in
            XCTAssertEqual(error as? PKIError, .alreadyExists(path: pki.directory))
        }
    }

    func testOverwriteWithECDSASigningKeys() throws {
        try OpenSSLTool.requireInstalled()
        let directory = try temporaryDirectory(prefix: "ketenpoort-devpki-ec")
        var options = DevelopmentPKI.Options()
        options.parties = [DevelopmentParty.gateway]
        options.caKeyType = .rsa2048
        _ = try DevelopmentPKI.create(in: directory, options: options)
        let firstCA = try CertificateInfo(file: (directory as NSString).appendingPathComponent("ca.pem"))
        options.overwrite = true
        options.signingKeyType = .p256
        let pki = try DevelopmentPKI.create(in: directory, options: options)
        let secondCA = try CertificateInfo(file: pki.path("ca.pem"))
        XCTAssertNotEqual(firstCA.sha256Fingerprint, secondCA.sha256Fingerprint)
        let signing = try CertificateInfo(file: pki.path("gateway-sign.pem"))
        XCTAssertEqual(signing.keyType, "ECDSA-P256")
        XCTAssertEqual(try CertificateInfo(file: pki.path("gateway-tls.pem")).keyType, "RSA-2048")
        XCTAssertEqual(pki.manifest.parties.first?.signingKeyType, .p256)
        XCTAssertEqual(try SecureFile.mode(of: pki.path("gateway-sign-key.pem")), 0o600)
        let key = try OpenSSLTool.run(["pkey", "-in", pki.path("gateway-sign-key.pem"), "-noout", "-text"])
        XCTAssertTrue(key.succeeded, key.output)
        XCTAssertTrue(key.output.contains("prime256v1") || key.output.contains("P-256"), key.output)
        let verify = try OpenSSLTool.run(["verify", "-CAfile", pki.path("ca.pem"), pki.path("gateway-sign.pem")])
        XCTAssertTrue(verify.succeeded, verify.output)
    }

    func testLoadReturnsAWorkingCA() throws {
        let pki = try TestPKI.get()
        let loaded = try DevelopmentPKI.load(from: pki.directory)
        XCTAssertEqual(loaded.manifest, pki.manifest)
        let issued = try loaded.authority.issue(.signing(subject: DevelopmentParty.gateway.subject(purpose: "extra")))
        XCTAssertTrue(issued.certificate.issuer == pki.authority.issued.certificate.subject)
        XCTAssertEqual(try CertificateInfo(certificate: issued.certificate).oin, "00000099000000000900")
    }

    func testLoadRejectsMismatchedKey() throws {
        let pki = try TestPKI.get()
        XCTAssertThrowsError(
            try CertificateAuthority.load(certificateFile: pki.path("ca.pem"), keyFile: pki.path("shn-tls-key.pem"))
        ) { error in
            XCTAssertTrue(String(describing: error).contains("does not match"), "\(error)")
        }
    }

    func testInvalidValidityIsRejected() throws {
        let pki = try TestPKI.get()
        let now = Date()
        let spec = CertificateSpec(
            subject: SubjectName(organization: "X", commonName: "backwards"), notBefore: now,
            notAfter: now.addingTimeInterval(-1), keyUsage: [.digitalSignature])
        XCTAssertThrowsError(try pki.authority.issue(spec))
    }
}

/// A CA with an ECDSA key round-trips through PEM files.
final class ECDSACertificateAuthorityTests: XCTestCase {
    func testP256CALoadsAndIssues() throws {
        try OpenSSLTool.requireInstalled()
        let directory = try temporaryDirectory(prefix: "ketenpoort-ecca")
        let join = { (name: String) in (directory as NSString).appendingPathComponent(name) }
        let created = try CertificateAuthority.create(
            subject: SubjectName(organization: "Test", commonName: "DEVELOPMENT ONLY – EC CA"), keyType: .p256)
        try created.issued.write(certificateTo: join("ca.pem"), keyTo: join("ca-key.pem"))
        let loaded = try CertificateAuthority.load(certificateFile: join("ca.pem"), keyFile: join("ca-key.pem"))
        let leaf = try loaded.issue(.tls(subject: DevelopmentParty.gateway.subject(purpose: "TLS")))
        try leaf.write(certificateTo: join("leaf.pem"), keyTo: join("leaf-key.pem"))
        let result = try OpenSSLTool.run(["verify", "-CAfile", join("ca.pem"), "-purpose", "sslserver", join("leaf.pem")])
        XCTAssertTrue(result.succeeded, result.output)
        let text = try OpenSSLTool.run(["x509", "-in", join("leaf.pem"), "-noout", "-text"])
        XCTAssertTrue(text.output.contains("ecdsa-with-SHA256"), text.output)
    }
}

/// Loading keys: only PKCS#8 PEM is accepted.
final class KeyPairLoadingTests: XCTestCase {
    func testRefusesPKCS1KeyWithHint() throws {
        try OpenSSLTool.requireInstalled()
        let pki = try TestPKI.get()
        let directory = try temporaryDirectory(prefix: "ketenpoort-pkcs1")
        let pkcs1 = (directory as NSString).appendingPathComponent("rsa.pem")
        let result = try OpenSSLTool.run(["pkey", "-in", pki.path("shn-tls-key.pem"), "-traditional", "-out", pkcs1])
        XCTAssertTrue(result.succeeded, result.output)
        let text = try String(contentsOfFile: pkcs1, encoding: .utf8)
        XCTAssertTrue(text.hasPrefix("-----BEGIN RSA PRIVATE KEY-----"))
        XCTAssertThrowsError(try KeyPair(pkcs8PEM: text, source: pkcs1)) { error in
            XCTAssertTrue(String(describing: error).hasPrefix("\(pkcs1): not a valid private key"), "\(error)")
        }
        let original = try String(contentsOfFile: pki.path("shn-tls-key.pem"), encoding: .utf8)
        XCTAssertEqual(try KeyPair(pkcs8PEM: original, source: "shn-tls-key.pem").keyType, .rsa2048)
    }
}
