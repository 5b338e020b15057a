import Foundation
import KetenpoortPKI
import KetenpoortStore
import X509

/// Reads the gateway's checkpoint-verification key from a certificate or public-key PEM file.
public enum PublicKeyLoading {
    /// Loads a verifier from exactly one of `certificatePath` (X.509 PEM) and `publicKeyPath` (SPKI PEM).
    public static func verifier(certificatePath: String?, publicKeyPath: String?) throws -> SoftwareCheckpointVerifier {
        switch (certificatePath, publicKeyPath) {
        case (let certificate?, nil):
            let pem = try readText(certificate)
            let parsed: Certificate
            do {
                parsed = try Certificate(pemEncoded: pem)
            } catch {
                throw CLIError("\(certificate) is not a PEM X.509 certificate: \(PEMFileDiagnosis.certificateProblem(in: Array(pem.utf8)))")
            }
            let spki = try parsed.publicKey.serializeAsPEM().derBytes
            return try SoftwareCheckpointVerifier(spkiDER: Data(spki))
        case (nil, let publicKey?):
            return try SoftwareCheckpointVerifier(publicKeyPEM: try readText(publicKey))
        default:
            throw CLIError("give exactly one of --cert (the gateway signing certificate) or --public-key")
        }
    }

    private static func readText(_ path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CLIError(InputFileCheck.cannotRead(path))
        }
        return String(decoding: data, as: UTF8.self)
    }
}
