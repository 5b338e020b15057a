import Foundation
import NIOSSL

/// Certificates and key loaded from `TLSFiles`, with errors that name the file.
struct TLSMaterial {
    /// The own certificate chain, leaf first.
    let chain: [NIOSSLCertificateSource]
    /// The own private key.
    let key: NIOSSLPrivateKeySource
    /// The CA certificates peers must chain to.
    let trustRoots: [NIOSSLCertificate]

    /// Loads every file; throws `TLSPolicyError` naming the first file that fails.
    static func load(_ files: TLSFiles) throws -> TLSMaterial {
        let chain = try certificates(in: files.certificate, role: "certificate")
        let key = try privateKey(in: files.privateKey)
        guard !files.trustedCAs.isEmpty else { throw TLSPolicyError.noTrustedCAs }
        var roots: [NIOSSLCertificate] = []
        for path in files.trustedCAs {
            roots += try certificates(in: path, role: "trusted CA")
        }
        return TLSMaterial(chain: chain.map { .certificate($0) }, key: .privateKey(key), trustRoots: roots)
    }

    /// Every certificate in a PEM file.
    static func certificates(in path: String, role: String) throws -> [NIOSSLCertificate] {
        let bytes = try read(path, role: role)
        let found: [NIOSSLCertificate]
        do { found = try NIOSSLCertificate.fromPEMBytes(bytes) } catch {
            throw TLSPolicyError.invalidCertificate(role: role, path: path)
        }
        guard !found.isEmpty else { throw TLSPolicyError.invalidCertificate(role: role, path: path) }
        return found
    }

    private static func privateKey(in path: String) throws -> NIOSSLPrivateKey {
        let bytes = try read(path, role: "private key")
        do { return try NIOSSLPrivateKey(bytes: bytes, format: .pem) } catch {
            throw TLSPolicyError.invalidPrivateKey(path: path)
        }
    }

    private static func read(_ path: String, role: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TLSPolicyError.unreadableFile(role: role, path: path)
        }
        return Array(data)
    }
}
