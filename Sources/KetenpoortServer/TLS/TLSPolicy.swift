import Foundation
import NIOSSL

/// Ketenpoort's TLS policy (Digikoppeling TLS001–TLS006, NCSC "good"): mutual TLS, TLS 1.2 minimum, 1.3 preferred.
public enum TLSPolicy {
    /// TLS 1.2 cipher suites: ECDHE key exchange with AES-GCM or ChaCha20-Poly1305 only (TLS 1.3 suites are all good).
    public static let tls12CipherSuites: [NIOTLSCipher] = [
        .TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        .TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        .TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        .TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
        .TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        .TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    ]

    /// Key-exchange groups, strongest-and-fastest first.
    public static let curves: [NIOTLSCurve] = [.x25519, .secp256r1, .secp384r1]

    /// Server side: presents `files.certificate` and REQUIRES a client certificate chained to `files.trustedCAs`.
    public static func server(_ files: TLSFiles) throws -> TLSConfiguration {
        let material = try TLSMaterial.load(files)
        var configuration = TLSConfiguration.makeServerConfigurationWithMTLS(
            certificateChain: material.chain, privateKey: material.key, trustRoots: .certificates(material.trustRoots))
        apply(to: &configuration)
        // No hostname check on client certificates (there is no name to check against), but the chain is verified
        // and, because verification is on, a connection without a client certificate fails the handshake.
        configuration.certificateVerification = .noHostnameVerification
        configuration.sendCANameList = true
        try check(configuration, files)
        return configuration
    }

    /// Client side: presents `files.certificate` and verifies the server fully (chain to `files.trustedCAs` and hostname).
    public static func client(_ files: TLSFiles) throws -> TLSConfiguration {
        let material = try TLSMaterial.load(files)
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.certificateChain = material.chain
        configuration.privateKey = material.key
        configuration.trustRoots = .certificates(material.trustRoots)
        configuration.certificateVerification = .fullVerification
        apply(to: &configuration)
        try check(configuration, files)
        return configuration
    }

    private static func apply(to configuration: inout TLSConfiguration) {
        configuration.minimumTLSVersion = .tlsv12
        configuration.maximumTLSVersion = nil
        configuration.cipherSuiteValues = tls12CipherSuites
        configuration.curves = curves
        configuration.renegotiationSupport = .none
    }

    /// Builds a context once so a key that does not match its certificate is reported at start-up.
    private static func check(_ configuration: TLSConfiguration, _ files: TLSFiles) throws {
        do {
            _ = try NIOSSLContext(configuration: configuration)
        } catch {
            throw TLSPolicyError.rejection(of: files, error)
        }
    }
}
