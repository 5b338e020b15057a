import Foundation
import KetenpoortPKI
import XCTest

/// Builds the certificates other engineers' tests use for attacks, and checks OpenSSL rejects them.
final class AttackScenarioTests: XCTestCase {
    private func subject(_ name: String, oin: String? = "00000099000000000001") -> SubjectName {
        SubjectName(
            organization: "Politie Eenheid Rotterdam", organizationalUnit: DevelopmentParty.developmentUnit,
            commonName: "DEVELOPMENT ONLY – \(name)", oin: oin)
    }

    private func write(_ issued: IssuedCertificate, name: String) throws -> (certificate: String, key: String) {
        let directory = try temporaryDirectory(prefix: "ketenpoort-attack")
        let certificate = (directory as NSString).appendingPathComponent("\(name).pem")
        let key = (directory as NSString).appendingPathComponent("\(name)-key.pem")
        try issued.write(certificateTo: certificate, keyTo: key)
        return (certificate, key)
    }

    private func verify(_ certificate: String, purpose: String? = nil) throws -> OpenSSLTool.Result {
        let pki = try TestPKI.get()
        var arguments = ["verify", "-CAfile", pki.path(DevelopmentPKI.caCertificateFile)]
        if let purpose { arguments += ["-purpose", purpose] }
        return try OpenSSLTool.run(arguments + [certificate])
    }

    func testCertificateFromUntrustedCAFailsVerification() throws {
        try OpenSSLTool.requireInstalled()
        let rogue = try CertificateAuthority.create(
            subject: SubjectName(organization: "Rogue", commonName: "DEVELOPMENT ONLY – untrusted CA"),
            keyType: .rsa2048)
        let issued = try rogue.issue(.tls(subject: subject("impostor")))
        let files = try write(issued, name: "impostor")
        let result = try verify(files.certificate)
        XCTAssertFalse(result.succeeded, result.output)
        XCTAssertTrue(result.output.contains("unable to get local issuer certificate"), result.output)
        XCTAssertEqual(try CertificateInfo(file: files.certificate).oin, "00000099000000000001")
    }

    func testRogueCAWithTheSameNameStillFails() throws {
        try OpenSSLTool.requireInstalled()
        let pki = try TestPKI.get()
        let trustedSubject = SubjectName(
            organization: "Ketenpoort Development", organizationalUnit: DevelopmentParty.developmentUnit,
            commonName: "DEVELOPMENT ONLY – Ketenpoort Development CA")
        let lookalike = try CertificateAuthority.create(subject: trustedSubject, keyType: .rsa2048)
        XCTAssertEqual(
            try CertificateInfo(certificate: lookalike.issued.certificate).subject,
            try CertificateInfo(certificate: pki.authority.issued.certificate).subject)
        let files = try write(try lookalike.issue(.tls(subject: subject("lookalike"))), name: "lookalike")
        let result = try verify(files.certificate)
        XCTAssertFalse(result.succeeded, result.output)
    }

    func testExpiredCertificateReportsNegativeDaysAndFailsVerification() throws {
        try OpenSSLTool.requireInstalled()
        let pki = try TestPKI.get()
        let now = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))
        let issued = try pki.authority.issue(.tls(subject: subject("expired"), validity: .expired(daysAgo: 3, now: now)))
        let files = try write(issued, name: "expired")
        let info = try CertificateInfo(file: files.certificate)
        XCTAssertEqual(info.daysUntilExpiry(at: now), -3)
        XCTAssertEqual(info.daysUntilExpiry(at: now.addingTimeInterval(-2 * 86_400 - 60)), -1)
        XCTAssertEqual(info.daysUntilExpiry(at: now.addingTimeInterval(-3 * 86_400 - 60)), 0)
        XCTAssertEqual(info.daysUntilExpiry(at: now.addingTimeInterval(3600)), -3)
        XCTAssertEqual(info.validity(at: now), .expired)
        let result = try verify(files.certificate)
        XCTAssertFalse(result.succeeded, result.output)
        XCTAssertTrue(result.output.contains("certificate has expired"), result.output)
    }

    func testNotYetValidCertificateFailsVerification() throws {
        try OpenSSLTool.requireInstalled()
        let pki = try TestPKI.get()
        let now = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))
        let issued = try pki.authority.issue(
            .signing(subject: subject("future"), validity: .notYetValid(daysAhead: 2, now: now)))
        let files = try write(issued, name: "future")
        let info = try CertificateInfo(file: files.certificate)
        XCTAssertEqual(info.validity(at: now), .notYetValid)
        XCTAssertGreaterThan(info.daysUntilExpiry(at: now), 0)
        XCTAssertEqual(info.validity(at: now.addingTimeInterval(3 * 86_400)), .valid)
        let result = try verify(files.certificate)
        XCTAssertFalse(result.succeeded, result.output)
        XCTAssertTrue(result.output.contains("certificate is not yet valid"), result.output)
    }

    func testCertificateWithoutDigitalSignature() throws {
        try OpenSSLTool.requireInstalled()
        let pki = try TestPKI.get()
        let validity = ValidityPeriod.days(30)
        let spec = CertificateSpec(
            subject: subject("no-digital-signature"), notBefore: validity.notBefore, notAfter: validity.notAfter,
            keyUsage: [.keyEncipherment])
        let files = try write(try pki.authority.issue(spec), name: "nodigsig")
        let info = try CertificateInfo(file: files.certificate)
        XCTAssertFalse(info.keyUsage.contains(.digitalSignature))
        XCTAssertEqual(info.keyUsage, [.keyEncipherment])
        let ext = try OpenSSLTool.run(["x509", "-in", files.certificate, "-noout", "-ext", "keyUsage"])
        XCTAssertTrue(ext.output.contains("Key Encipherment"), ext.output)
        XCTAssertFalse(ext.output.contains("Digital Signature"), ext.output)
        XCTAssertTrue(try verify(files.certificate).succeeded)
    }

    func testClientOnlyCertificateIsNotAServerCertificate() throws {
        try OpenSSLTool.requireInstalled()
        let pki = try TestPKI.get()
        var spec = CertificateSpec.tls(subject: subject("client-only"))
        spec.extendedKeyUsage = [.clientAuth]
        let files = try write(try pki.authority.issue(spec), name: "clientonly")
        XCTAssertTrue(try verify(files.certificate, purpose: "sslclient").succeeded)
        XCTAssertFalse(try verify(files.certificate, purpose: "sslserver").succeeded)
    }

    func testIntermediateCAChain() throws {
        try OpenSSLTool.requireInstalled()
        let pki = try TestPKI.get()
        let intermediate = try CertificateAuthority(
            pki.authority.issue(.certificateAuthority(
                subject: SubjectName(organization: "Ketenpoort Development", commonName: "DEVELOPMENT ONLY – intermediate"),
                keyType: .rsa2048)))
        let leaf = try intermediate.issue(.tls(subject: subject("via-intermediate"), keyType: .p256))
        let files = try write(leaf, name: "leaf")
        let chain = try write(intermediate.issued, name: "intermediate")
        let result = try OpenSSLTool.run([
            "verify", "-CAfile", pki.path("ca.pem"), "-untrusted", chain.certificate, "-purpose", "sslserver",
            files.certificate,
        ])
        XCTAssertTrue(result.succeeded, result.output)
        XCTAssertEqual(try CertificateInfo(file: files.certificate).keyType, "ECDSA-P256")
        XCTAssertFalse(try verify(files.certificate).succeeded)
    }
}
