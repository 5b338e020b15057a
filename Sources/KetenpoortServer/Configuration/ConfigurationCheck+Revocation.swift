import Foundation
import KetenpoortPKI
import Logging

extension ConfigurationCheck {
    /// Problems with the configured revocation lists: unreadable or unsigned lists (errors), lists past their next
    /// update (warnings), and configured certificates that a list revokes (errors).
    public static func revocationFindings(_ configuration: GatewayConfiguration, now: Date = Date())
        -> (problems: [ConfigurationProblem], warnings: [ConfigurationProblem]) {
        guard let revocation = configuration.revocation else { return ([], []) }
        let checker: RevocationChecker
        do {
            checker = try RevocationChecker(files: revocation.crlFiles, trustedCAFiles: configuration.revocationAuthorities,
                                            logger: Logger(label: "config-check"))
        } catch {
            return ([ConfigurationProblem(key: "revocation.crlFiles", problem: "\(error)")], [])
        }
        var problems: [ConfigurationProblem] = []
        if let refresh = revocation.refreshSeconds, !(refresh > 0) {
            problems.append(ConfigurationProblem(key: "revocation.refreshSeconds", problem: "must be positive"))
        }
        let warnings = checker.staleLists(at: now).map { ConfigurationProblem(key: "revocation.crlFiles", problem: $0) }
        var configured = [("signing.certificate", configuration.signing.certificate), ("intake.tls.certificate", configuration.intake.tls.certificate),
                          ("courier.tls.certificate", configuration.courier.tls.certificate)]
        for (index, partner) in configuration.partners.enumerated() {
            configured += partner.signingCertificates.enumerated().map { ("partners[\(index)].signingCertificates[\($0.offset)]", $0.element) }
        }
        for (key, file) in configured {
            guard let certificates = try? CertificateInfo.loadBundle(file: file) else { continue }
            if certificates.contains(where: { checker.isRevoked(certificateDER: $0.derBytes) }) {
                problems.append(ConfigurationProblem(key: key, problem: "the certificate in '\(file)' is revoked by a configured revocation list"))
            }
        }
        return (problems, warnings)
    }
}
