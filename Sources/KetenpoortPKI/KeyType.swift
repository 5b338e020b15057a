/// The kind of key pair a certificate is issued for.
public enum KeyType: String, Sendable, CaseIterable, Codable {
    /// RSA with a 2048-bit modulus.
    case rsa2048 = "RSA-2048"
    /// RSA with a 3072-bit modulus.
    case rsa3072 = "RSA-3072"
    /// RSA with a 4096-bit modulus.
    case rsa4096 = "RSA-4096"
    /// ECDSA on NIST P-256 (secp256r1).
    case p256 = "ECDSA-P256"

    /// Whether the key is an RSA key (and so can do key encipherment in TLS 1.2).
    public var isRSA: Bool {
        switch self {
        case .rsa2048, .rsa3072, .rsa4096: return true
        case .p256: return false
        }
    }
}
