import Foundation
import KetenpoortPKI
import KetenpoortServer
import XCTest

/// SoftHSM2 tokens made once per test process with scripts/softhsm-test-token, all in one SOFTHSM2_CONF.
///
/// SoftHSM reads its configuration and finds its tokens when the module is first initialised in a process, so
/// every token the tests use is made before any of them is opened.
struct SoftHSMTokens {
    /// The gateway's signing key (the dev PKI's), imported.
    let gateway: Pkcs11Settings
    /// Another party's signing key under the gateway's labels: does not match the gateway's certificate.
    let otherKey: Pkcs11Settings
    /// The gateway's key in a token whose PIN file holds a wrong PIN.
    let wrongPIN: Pkcs11Settings
    /// An RSA key generated inside the token, with `generatedCertificate` issued for it by the dev CA.
    let generated: Pkcs11Settings
    /// The certificate of `generated`'s key.
    let generatedCertificate: String
    /// An ECDSA P-256 key generated inside the token, with `generatedECCertificate` issued for it by the dev CA.
    let generatedEC: Pkcs11Settings
    /// The certificate of `generatedEC`'s key.
    let generatedECCertificate: String
    /// The directory holding softhsm2.conf, the tokens and the PIN files.
    let directory: URL

    static let shared: Result<SoftHSMTokens, any Error> = Result { try SoftHSMTokens() }

    /// The tokens; fails (never skips) when softhsm2 or the engine is not installed.
    static func get() throws -> SoftHSMTokens { try shared.get() }

    private init() throws {
        let pki = try GatewayTestPKI.get()
        guard let gatewayParty = pki.manifest.party(named: "gateway"), let shn = pki.manifest.party(named: "shn") else {
            throw HarnessError("the dev PKI lacks the gateway or shn")
        }
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("kp-softhsm-\(UUID().uuidString)")
        setenv("SOFTHSM2_CONF", directory.appendingPathComponent("softhsm2.conf").path, 1)
        gateway = try Self.make(directory, token: "kp-gateway", ["--import", pki.path(gatewayParty.signingKey)])
        otherKey = try Self.make(directory, token: "kp-other", ["--import", pki.path(shn.signingKey)])
        var wrong = try Self.make(directory, token: "kp-wrong-pin", ["--import", pki.path(gatewayParty.signingKey)])
        let wrongPINFile = directory.appendingPathComponent("wrong.pin")
        try Data("0000-not-the-pin\n".utf8).write(to: wrongPINFile)
        wrong.pinFile = wrongPINFile.path
        wrongPIN = wrong
        (generated, generatedCertificate) = try Self.generate("rsa", in: directory, pki: pki, oin: gatewayParty.oin)
        (generatedEC, generatedECCertificate) = try Self.generate("ec", in: directory, pki: pki, oin: gatewayParty.oin)
    }

    /// A token with a key pair of `type` (rsa, ec) generated inside it, and the certificate the dev CA issued for it.
    private static func generate(_ type: String, in directory: URL, pki: DevelopmentPKI, oin: String) throws -> (Pkcs11Settings, String) {
        let certificate = directory.appendingPathComponent("generated-\(type).pem").path
        let settings = try make(directory, token: "kp-generated-\(type)", [
            "--generate", type, "--ca-cert", pki.path(DevelopmentPKI.caCertificateFile), "--ca-key", pki.path(DevelopmentPKI.caKeyFile),
            "--subject", "/O=Ketenpoort test/CN=TEST ONLY token-generated \(type)/serialNumber=\(oin)",
            "--cert-out", certificate,
        ])
        return (settings, certificate)
    }

    /// Runs the script for one token and reads back the settings it prints.
    private static func make(_ directory: URL, token: String, _ arguments: [String]) throws -> Pkcs11Settings {
        let script = GatewayExamples.repository.appendingPathComponent("scripts/softhsm-test-token").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [script, "--dir", directory.path, "--token", token, "--key-label", "signing"] + arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let complaint = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw HarnessError("scripts/softhsm-test-token failed (is softhsm2 installed? scripts/install-deps): \(complaint)")
        }
        var values: [String: String] = [:]
        for line in printed.split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1).map(String.init)
            if parts.count == 2 { values[parts[0]] = parts[1] }
        }
        guard let module = values["module"], let label = values["token"], let key = values["key"], let pinFile = values["pinFile"] else {
            throw HarnessError("scripts/softhsm-test-token printed no settings: \(printed)")
        }
        return Pkcs11Settings(module: module, token: label, key: key, pinFile: pinFile)
    }
}
