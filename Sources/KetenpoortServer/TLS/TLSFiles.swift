/// The PEM files one side of a mutual-TLS connection needs: its own certificate (chain) and key, and the CAs it trusts.
public struct TLSFiles: Sendable, Codable, Hashable {
    /// PEM file with this party's certificate, leaf first, optionally followed by intermediates.
    public var certificate: String
    /// PEM file with the private key of that certificate.
    public var privateKey: String
    /// PEM files with the CA certificates that peers must chain to.
    public var trustedCAs: [String]

    /// Creates a set of TLS files.
    public init(certificate: String, privateKey: String, trustedCAs: [String]) {
        self.certificate = certificate
        self.privateKey = privateKey
        self.trustedCAs = trustedCAs
    }
}
