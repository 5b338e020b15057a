import Foundation
import KetenpoortPKI
import XCTest

/// What `PEMFileDiagnosis` says about files that are not the certificate or key expected.
final class PEMFileDiagnosisTests: XCTestCase {
    private func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    func testEachKindOfWrongFileIsNamed() throws {
        XCTAssertTrue(PEMFileDiagnosis.certificateProblem(in: []).contains("empty"))
        XCTAssertTrue(PEMFileDiagnosis.certificateProblem(in: bytes("host.example\n")).contains("not PEM"))
        XCTAssertTrue(PEMFileDiagnosis.certificateProblem(in: [0x7F, 0x45, 0x4C, 0x46, 0x00]).contains("binary"))
        let key = "-----BEGIN PRIVATE KEY-----\nMIGHAgEA\n-----END PRIVATE KEY-----\n"
        XCTAssertEqual(PEMFileDiagnosis.certificateProblem(in: bytes(key)), "holds a 'PRIVATE KEY' block, not a certificate ('BEGIN CERTIFICATE')")
        let certificate = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
        XCTAssertEqual(PEMFileDiagnosis.privateKeyProblem(in: bytes(certificate)), "holds a 'CERTIFICATE' block, not a private key ('BEGIN PRIVATE KEY')")
        let encrypted = "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIB\n-----END ENCRYPTED PRIVATE KEY-----\n"
        XCTAssertTrue(PEMFileDiagnosis.privateKeyProblem(in: bytes(encrypted)).contains("encrypted"))
        XCTAssertTrue(PEMFileDiagnosis.privateKeyProblem(in: bytes("-----BEGIN PRIVATE KEY-----\nMI*E\n-----END PRIVATE KEY-----\n")).contains("not valid base64"))
        XCTAssertTrue(PEMFileDiagnosis.certificateProblem(in: bytes("-----BEGIN CERTIFICATE-----\nMIIB\n")).contains("no '-----END' line"))
        XCTAssertTrue(PEMFileDiagnosis.certificateProblem(in: bytes(certificate)).contains("damaged or truncated"))
    }

    func testLoadingAWrongFileThrowsTheWordedReason() throws {
        let path = NSTemporaryDirectory() + "kp-diagnosis-\(UUID().uuidString).pem"
        try Data("-----BEGIN PRIVATE KEY-----\nMIGHAgEA\n-----END PRIVATE KEY-----\n".utf8).write(to: URL(fileURLWithPath: path))
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        XCTAssertThrowsError(try CertificateInfo.loadBundle(file: path)) { error in
            XCTAssertEqual("\(error)", "\(path): no certificate found (expected PEM 'BEGIN CERTIFICATE' blocks or DER)")
        }
        try Data("-----BEGIN CERTIFICATE-----\nMIIBAAAA\n-----END CERTIFICATE-----\n".utf8).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try CertificateInfo.loadBundle(file: path)) { error in
            XCTAssertEqual("\(error)", "\(path) (certificate 1): not a valid X.509 certificate: its certificate is damaged or truncated (the contents are not a valid X.509 structure)")
            XCTAssertFalse("\(error)".contains("ASN1Error"), "\(error)")
            XCTAssertFalse("\(error)".contains(".swift:"), "\(error)")
        }
    }
}
