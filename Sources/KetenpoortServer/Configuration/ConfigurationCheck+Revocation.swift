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
        var warnings = checker.staleLists(at: now).map { ConfigurationProblem(key: "revocation.crlFiles", problem: $0) }
        // Our own certificates must not be revoked; a partner's revoked receipt certificate is only no longer accepted.
        let own = [("signing.certificate", configuration.signing.certificate), ("intake.tls.certificate", configuration.intake.tls.certificate),
                   ("courier.tls.certificate", configuration.courier.tls.certificate)]
        for (key, file) in own where isRevoked(file, checker) {
            problems.append(ConfigurationProblem(key: key, problem: "the certificate in '\(file)' is revoked by a configured revocation list"))
        }
        for (index, partner) in configuration.partners.enumerated() {
            for (offset, file) in partner.signingCertificates.enumerated() where isRevoked(file, checker) {
                warnings.append(ConfigurationProblem(key: "partners[\(index)].signingCertificates[\(offset)]",
                                                     problem: "the certificate in '\(file)' is revoked; receipts it signs are not accepted"))
            }
        }
        return (problems, warnings)
    }

    private static func isRevoked(_ file: String, _ checker: RevocationChecker) -> Bool {
        guard let certificates = try? CertificateInfo.loadBundle(file: file) else { return false }
        return certificates.contains { checker.isRevoked(certificateDER: $0.derBytes) }
    }
}
