import Foundation
import KetenpoortPKI
import KetenpoortXML
import XCTest

/// Paths in the repository and key material made fresh for this test run.
enum Fixtures {
    /// The repository root (tests read Examples/ and Schemas/ from it).
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Bytes of a file under Examples/.
    static func example(_ relative: String) throws -> Data {
        try Data(contentsOf: repository.appendingPathComponent("Examples").appendingPathComponent(relative))
    }

    /// A compiled schema from Schemas/.
    static func schema(_ name: String) throws -> XMLSchema {
        try XMLSchema(contentsOf: repository.appendingPathComponent("Schemas").appendingPathComponent(name))
    }

    /// A fresh temporary directory.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("kp-xml-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// The PKI made once per test run: a trusted CA, an untrusted CA, and signing certificates.
    static let keys: Result<TestKeys, any Error> = Result { try TestKeys() }
}

/// A certificate with its key, as PEM.
struct KeyPair {
    let certificatePEM: Data
    let keyPEM: Data

    init(_ issued: IssuedCertificate) throws {
        certificatePEM = Data(try issued.certificatePEM().utf8)
        keyPEM = Data(issued.privateKeyPEM.utf8)
    }

    func signer() throws -> XMLSigner {
        try XMLSigner(privateKeyPEM: keyPEM, certificatePEM: certificatePEM)
    }

    /// Writes certificate and key to files in the directory; returns (certificate, key) paths.
    func write(to directory: URL, name: String) throws -> (String, String) {
        let cert = directory.appendingPathComponent("\(name).pem")
        let key = directory.appendingPathComponent("\(name)-key.pem")
        try certificatePEM.write(to: cert)
        try keyPEM.write(to: key)
        return (cert.path, key.path)
    }
}

/// Signing keys for the signature tests, one CA trusted and one not.
struct TestKeys {
    let caPEM: Data
    let rsa: KeyPair
    let ecdsa: KeyPair
    let otherParty: KeyPair
    let expired: KeyPair
    let notYetValid: KeyPair
    let withoutDigitalSignature: KeyPair
    let untrusted: KeyPair
    /// The gateway's TLS certificate (serverAuth + clientAuth): never a signer.
    let tls: KeyPair
    /// keyUsage nonRepudiation only, no extendedKeyUsage (a PKIoverheid-style seal).
    let nonRepudiationOnly: KeyPair
    /// serverAuth together with documentSigning: a document-signing purpose is named.
    let tlsAndDocumentSigning: KeyPair

    init() throws {
        let ca = try CertificateAuthority.create(
            subject: SubjectName(organization: "Ketenpoort test", commonName: "TEST ONLY CA"), keyType: .rsa2048)
        let other = try CertificateAuthority.create(
            subject: SubjectName(organization: "Elsewhere", commonName: "TEST ONLY untrusted CA"), keyType: .p256)
        func subject(_ name: String, _ oin: String) -> SubjectName {
            SubjectName(organization: "Test \(name)", organizationalUnit: "TEST ONLY", commonName: "TEST ONLY \(name)", oin: oin)
        }
        caPEM = Data(try ca.issued.certificatePEM().utf8)
        rsa = try KeyPair(ca.issue(.signing(subject: subject("gateway", "00000099000000000900"))))
        ecdsa = try KeyPair(ca.issue(.signing(subject: subject("shn", "00000099000000000101"), keyType: .p256)))
        otherParty = try KeyPair(ca.issue(.signing(subject: subject("om", "00000099000000000102"), keyType: .p256)))
        expired = try KeyPair(ca.issue(.signing(subject: subject("expired", "00000099000000000998"), keyType: .p256,
                                                 validity: .expired(daysAgo: 2))))
        notYetValid = try KeyPair(ca.issue(.signing(subject: subject("future", "00000099000000000997"), keyType: .p256,
                                                     validity: .notYetValid(daysAhead: 2))))
        let now = Date()
        withoutDigitalSignature = try KeyPair(ca.issue(CertificateSpec(
            subject: subject("encipher-only", "00000099000000000996"), keyType: .p256,
            notBefore: now.addingTimeInterval(-3600), notAfter: now.addingTimeInterval(86400 * 30),
            keyUsage: [.keyAgreement])))
        untrusted = try KeyPair(other.issue(.signing(subject: subject("impostor", "00000099000000000900"), keyType: .p256)))
        tls = try KeyPair(ca.issue(.tls(subject: subject("gateway TLS", "00000099000000000900"), keyType: .p256)))
        nonRepudiationOnly = try KeyPair(ca.issue(CertificateSpec(
            subject: subject("seal", "00000099000000000995"), keyType: .p256,
            notBefore: now.addingTimeInterval(-3600), notAfter: now.addingTimeInterval(86400 * 30), keyUsage: [.nonRepudiation])))
        tlsAndDocumentSigning = try KeyPair(ca.issue(.signing(subject: subject("dual", "00000099000000000994"), keyType: .p256,
                                                              extendedKeyUsage: [.serverAuth, .documentSigning])))
    }

    func verifier() throws -> SignatureVerifier {
        try SignatureVerifier(trustAnchorsPEM: caPEM)
    }
}

/// Runs a command-line tool and returns its exit status and combined output.
@discardableResult
func runTool(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

extension Data {
    /// The bytes as UTF-8 text.
    var text: String { String(decoding: self, as: UTF8.self) }
}
