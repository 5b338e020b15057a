import Foundation
import KetenpoortPKI

/// Checks the files a message command was given before it uses them, so a wrong file is named and explained
/// in words (missing, a directory, a certificate where a key belongs, a key of another certificate).
public enum InputFileCheck {
    /// Why `path` cannot be read, in words: no such file, a directory, or no permission.
    public static func unreadableReason(_ path: String) -> String {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return "no such file" }
        if isDirectory.boolValue { return "it is a directory, not a file" }
        if !FileManager.default.isReadableFile(atPath: path) { return "permission denied" }
        return "it could not be read"
    }

    /// The line for a file that could not be read: `cannot read FILE: REASON`.
    public static func cannotRead(_ path: String) -> String {
        "cannot read \(path): \(unreadableReason(path))"
    }

    /// Throws a worded error unless `path` holds at least one X.509 certificate (PEM or DER).
    public static func requireCertificates(_ path: String) throws {
        _ = try CertificateInfo.loadBundle(file: path)
    }

    /// Throws a worded error unless `keyFile` is a readable private key that belongs to the certificate in `certificateFile`.
    public static func requireSigningPair(keyFile: String, certificateFile: String) throws {
        guard try KeyCertificatePair.matches(keyFile: keyFile, certificateFile: certificateFile) else {
            throw CLIError("\(keyFile) is not the private key of \(certificateFile) (their public keys differ); "
                + "a signature made with it would not verify")
        }
    }
}
