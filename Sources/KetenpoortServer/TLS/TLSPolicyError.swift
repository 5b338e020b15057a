/// Why a TLS configuration could not be built; every case names the file involved.
public enum TLSPolicyError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file does not exist or cannot be read.
    case unreadableFile(role: String, path: String)
    /// The file holds no PEM certificate that could be parsed.
    case invalidCertificate(role: String, path: String)
    /// The file holds no PEM private key that could be parsed.
    case invalidPrivateKey(path: String)
    /// No trusted CA file was configured.
    case noTrustedCAs
    /// The TLS library refused the combination (for example a key that does not belong to the certificate).
    case rejectedByTLSLibrary(certificate: String, privateKey: String, detail: String)

    /// Explanation naming the file and the problem.
    public var description: String {
        switch self {
        case .unreadableFile(let role, let path):
            return "TLS: cannot read the \(role) file '\(path)' (missing or no permission)"
        case .invalidCertificate(let role, let path):
            return "TLS: the \(role) file '\(path)' holds no valid PEM certificate"
        case .invalidPrivateKey(let path):
            return "TLS: the private key file '\(path)' holds no valid PEM private key (encrypted keys are not supported)"
        case .noTrustedCAs:
            return "TLS: no trusted CA file configured; mutual TLS needs at least one"
        case .rejectedByTLSLibrary(let certificate, let privateKey, let detail):
            return "TLS: certificate '\(certificate)' with key '\(privateKey)' was refused: \(detail)"
        }
    }
}
