import Foundation
import KetenpoortStore
import X509

/// Turns a PEM certificate file into a verifier for the key it certifies (gateway heads, witness cosignatures).
public enum CertificateKeyLoading {
    /// A verifier for the public key of the first certificate in the PEM file at `path`.
    public static func verifier(certificateFile path: String) throws -> SoftwareCheckpointVerifier {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CertificateKeyError(file: path, problem: "cannot read the file")
        }
        do {
            let certificate = try Certificate(pemEncoded: String(decoding: data, as: UTF8.self))
            let spki = try certificate.publicKey.serializeAsPEM().derBytes
            return try SoftwareCheckpointVerifier(spkiDER: Data(spki))
        } catch {
            throw CertificateKeyError(file: path, problem: "not a PEM certificate with an RSA (2048+) or P-256 key")
        }
    }
}

/// A certificate file whose key cannot be used.
public struct CertificateKeyError: Error, Sendable, CustomStringConvertible {
    /// The file.
    public let file: String
    /// What is wrong.
    public let problem: String

    /// `file: problem`.
    public var description: String { "\(file): \(problem)" }
}
