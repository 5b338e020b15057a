import Foundation
import KetenpoortPKI

/// Renders one certificate for `pki show`.
enum CertificateInfoReport {
    /// The lines describing `info`, headed by `label`, with validity judged at `now`.
    static func text(for info: CertificateInfo, label: String, at now: Date) -> String {
        let formatter = ISO8601DateFormatter()
        let days = info.daysUntilExpiry(at: now)
        let status: String
        switch info.validity(at: now) {
        case .valid:
            status = "valid"
        case .expired:
            status = "EXPIRED"
        case .notYetValid:
            let ahead = Int((info.notBefore.timeIntervalSince(now) / 86_400).rounded(.up))
            status = "NOT YET VALID, starts in \(ahead) day\(ahead == 1 ? "" : "s")"
        }
        var usage = info.keyUsage.names
        usage += info.extendedKeyUsage
        var lines = [
            label,
            "  subject:   \(info.subject)",
            "  OIN:       \(info.oin ?? "(none)")",
            "  issuer:    \(info.issuer)",
            "  validity:  \(formatter.string(from: info.notBefore)) … \(formatter.string(from: info.notAfter))",
            "  status:    \(status)",
            "  days left: \(days)",
            "  key:       \(info.keyType)\(info.isCertificateAuthority ? ", CA" : "")",
            "  usage:     \(usage.isEmpty ? "(none)" : usage.joined(separator: ", "))",
        ]
        if !info.subjectAlternativeNames.isEmpty {
            lines.append("  SAN:       \(info.subjectAlternativeNames.joined(separator: ", "))")
        }
        lines.append("  SHA-256:   \(info.sha256Fingerprint)")
        return lines.joined(separator: "\n")
    }
}
