import Foundation
import KetenpoortPKI

/// Renders what `pki dev` wrote: the CA, each party with its OIN and files.
enum DevelopmentPKIReport {
    /// The report text for a freshly created development PKI.
    static func text(for pki: DevelopmentPKI) -> String {
        let manifest = pki.manifest
        let width = max(manifest.parties.map(\.name.count).max() ?? 0, 4)
        var lines = [
            "Development PKI written to \(pki.directory)",
            "DEVELOPMENT ONLY: invented OINs, not for production.",
            "",
            "  CA  \(manifest.caCertificate), \(manifest.caKey) (key mode 0600)",
            "",
            "  \(pad("name", width))  OIN                   organisation",
        ]
        for party in manifest.parties {
            lines.append("  \(pad(party.name, width))  \(party.oin)  \(party.organisation)")
            lines.append("  \(pad("", width))    TLS:     \(party.tlsCertificate), \(party.tlsKey)")
            lines.append(
                "  \(pad("", width))    signing: \(party.signingCertificate), \(party.signingKey) (\(party.signingKeyType.rawValue))")
        }
        lines.append("")
        lines.append("  manifest: \(DevelopmentPKI.manifestFile)")
        return lines.joined(separator: "\n")
    }

    /// Pads `text` with spaces to `width` characters.
    private static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }
}
