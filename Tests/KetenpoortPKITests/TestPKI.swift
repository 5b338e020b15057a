import Foundation
import KetenpoortPKI
import XCTest

/// One development PKI shared by all tests (RSA keys are slow to generate in debug builds).
enum TestPKI {
    /// The shared development PKI, created once in a fresh temporary directory.
    static let shared: Result<DevelopmentPKI, any Error> = Result {
        atexit { try? FileManager.default.removeItem(atPath: TestPKI.directory) }
        return try DevelopmentPKI.create(in: directory)
    }

    /// Where the shared PKI lives; removed when the test process exits.
    static let directory = (NSTemporaryDirectory() as NSString)
        .appendingPathComponent("ketenpoort-devpki-\(UUID().uuidString)")

    /// The shared PKI, or the error that creating it raised.
    static func get() throws -> DevelopmentPKI {
        try shared.get()
    }

    /// A new empty directory under the system temporary directory.
    static func makeTemporaryDirectory(prefix: String) throws -> String {
        let path = (NSTemporaryDirectory() as NSString).appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Every leaf certificate file of the PKI with whether it is a TLS certificate.
    static func leafFiles(_ pki: DevelopmentPKI) -> [(certificate: String, key: String, isTLS: Bool)] {
        pki.manifest.parties.flatMap { party in
            [
                (pki.path(party.tlsCertificate), pki.path(party.tlsKey), true),
                (pki.path(party.signingCertificate), pki.path(party.signingKey), false),
            ]
        }
    }
}

extension XCTestCase {
    /// A new empty temporary directory that is removed when the test ends.
    func temporaryDirectory(prefix: String) throws -> String {
        let path = try TestPKI.makeTemporaryDirectory(prefix: prefix)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }
}
