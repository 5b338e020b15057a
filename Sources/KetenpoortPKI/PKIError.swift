import Foundation

/// An error from the KetenpoortPKI module; every case names the file or item and the problem.
public enum PKIError: Error, Equatable, Sendable, CustomStringConvertible, LocalizedError {
    /// A file could not be read.
    case unreadableFile(path: String, reason: String)
    /// A file could not be written.
    case unwritableFile(path: String, reason: String)
    /// A file holds no certificate (neither a PEM certificate block nor DER).
    case noCertificate(path: String)
    /// A certificate could not be parsed.
    case invalidCertificate(source: String, reason: String)
    /// A private key could not be parsed.
    case invalidPrivateKey(source: String, reason: String)
    /// The key type is not supported for this operation.
    case unsupportedKeyType(String)
    /// A certificate specification is inconsistent (for example notAfter before notBefore).
    case invalidSpecification(String)
    /// The target directory already holds a development PKI and overwriting was not allowed.
    case alreadyExists(path: String)

    /// A human-readable explanation naming the file and the problem.
    public var description: String {
        switch self {
        case .unreadableFile(let path, let reason):
            return "\(path): cannot read: \(reason)"
        case .unwritableFile(let path, let reason):
            return "\(path): cannot write: \(reason)"
        case .noCertificate(let path):
            return "\(path): no certificate found (expected PEM 'BEGIN CERTIFICATE' blocks or DER)"
        case .invalidCertificate(let source, let reason):
            return "\(source): not a valid X.509 certificate: \(reason)"
        case .invalidPrivateKey(let source, let reason):
            return "\(source): not a valid private key: \(reason)"
        case .unsupportedKeyType(let detail):
            return "unsupported key type: \(detail)"
        case .invalidSpecification(let detail):
            return "invalid certificate specification: \(detail)"
        case .alreadyExists(let path):
            return "\(path): a development PKI already exists here (use --force to overwrite)"
        }
    }

    /// The same text as `description`, for Foundation's error reporting.
    public var errorDescription: String? { description }
}
