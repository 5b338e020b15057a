import Foundation
import KetenpoortStore
import XCTest

final class CheckpointKeyTests: XCTestCase {
    /// Runs openssl to make a key file; returns the PEM text.
    private func openssl(_ arguments: [String], directory: String, output: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = [arguments[0], "-out", directory + "/" + output] + arguments.dropFirst()
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, arguments.joined(separator: " "))
        return try String(contentsOfFile: directory + "/" + output, encoding: .utf8)
    }

    private func publicKey(of privateFile: String, directory: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = ["pkey", "-in", directory + "/" + privateFile, "-pubout", "-out", directory + "/pub.pem"]
        try process.run()
        process.waitUntilExit()
        return try String(contentsOfFile: directory + "/pub.pem", encoding: .utf8)
    }

    func testLoadsEveryPEMFormAndVerifiesWithItsPublicKey() throws {
        let directory = try makeStateDirectory(self)
        let cases: [(args: [String], header: String, algorithm: String)] = [
            (["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"], "BEGIN PRIVATE KEY", "rsa-pkcs1-sha256"),
            (["genrsa", "-traditional", "2048"], "BEGIN RSA PRIVATE KEY", "rsa-pkcs1-sha256"),
            (["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"], "BEGIN PRIVATE KEY", "ecdsa-p256-sha256"),
            (["ecparam", "-name", "prime256v1", "-genkey", "-noout"], "BEGIN EC PRIVATE KEY", "ecdsa-p256-sha256"),
        ]
        for (index, item) in cases.enumerated() {
            let pem = try openssl(item.args, directory: directory, output: "key\(index).pem")
            XCTAssertTrue(pem.contains(item.header), "openssl made \(pem.prefix(40))")
            let signer = try SoftwareCheckpointSigner(pem: pem)
            XCTAssertEqual(signer.algorithm, item.algorithm)
            let verifier = try SoftwareCheckpointVerifier(publicKeyPEM: try publicKey(of: "key\(index).pem", directory: directory))
            XCTAssertEqual(verifier.keyFingerprint, signer.keyFingerprint)
            let data = Data("head".utf8)
            let signature = try signer.sign(data)
            XCTAssertTrue(verifier.isValid(signature: signature, for: data, algorithm: signer.algorithm))
            XCTAssertFalse(verifier.isValid(signature: signature, for: Data("tail".utf8), algorithm: signer.algorithm))
        }
    }

    func testRejectsGarbage() {
        XCTAssertThrowsError(try SoftwareCheckpointSigner(pem: "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"))
    }
}
