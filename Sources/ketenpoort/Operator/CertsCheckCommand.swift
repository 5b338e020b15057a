import ArgumentParser
import Foundation
import KetenpoortCommandLine
import KetenpoortOperations
import KetenpoortPKI
import KetenpoortServer

/// `ketenpoort certs check --config FILE`: subject, OIN and days to expiry of every configured certificate.
struct CertsCheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "List every configured certificate with subject, OIN and days until expiry; exit 1 if any is due.",
        discussion: HelpText.flowing("""
            Exit codes: 0 every certificate is valid for at least --warn-days more days; 1 one is under the
            threshold, expired, unreadable, or carries another OIN than configured, or the signing key's PKCS#11
            token is missing, locked, or holds a key that is not the signing certificate's; 2 the configuration
            cannot be read.
            A partner may list several signing certificates (a rollover); each is checked on its own.
            Examples:
              ketenpoort certs check --config /etc/ketenpoort/gateway.yaml
              ketenpoort certs check --config gateway.yaml --warn-days 60 --json
            """)
    )

    @Option(name: .customLong("config"), help: "The gateway configuration file.")
    var configFile: String

    @Option(name: .customLong("warn-days"), help: "Fail when a certificate expires within this many days.")
    var warnDays = 30

    @OptionGroup var output: JSONOption

    private struct Row: Encodable {
        var role: String
        var file: String
        var subject: String?
        var oin: String?
        var not_after: String?
        var days_left: Int?
        var problem: String?
    }

    /// Checks the certificates and prints one row per certificate.
    func run() async throws {
        try await runOperatorCommand {
            guard warnDays >= 0 else { throw OperatorFailure.usage("--warn-days must not be negative") }
            let gateway: GatewayConfiguration
            do {
                gateway = try ConfigurationLoader.load(file: configFile)
            } catch {
                throw OperatorFailure.usage("cannot read the configuration \(configFile): \(error)")
            }
            let now = Date()
            let rows = ConfiguredCertificates.list(gateway).flatMap { check($0, now: now) } + tokenRows(gateway.signing)
            if output.json {
                try Output.json(CertsJSON(warn_days: warnDays, certificates: rows))
            } else {
                var table = TextTable(["ROLE", "SUBJECT", "OIN", "EXPIRES", "DAYS", "PROBLEM"], rightAligned: [4])
                for row in rows {
                    table.add([row.role, row.subject ?? "-", row.oin ?? "-", row.not_after ?? "-",
                               row.days_left.map(String.init) ?? "-", row.problem ?? "ok"])
                }
                Output.text(table.render())
            }
            let problems = rows.filter { $0.problem != nil }.count
            if problems > 0 {
                throw OperatorFailure.refused("\(problems) certificate(s) need attention (threshold \(warnDays) days)")
            }
        }
    }

    private func check(_ entry: ConfiguredCertificate, now: Date) -> [Row] {
        let certificates: [CertificateInfo]
        do {
            certificates = try CertificateInfo.loadBundle(file: entry.path)
        } catch {
            return [Row(role: entry.role, file: entry.path, problem: "cannot read: \(error)")]
        }
        let isAnchor = entry.role.hasPrefix("trust:")
        return certificates.enumerated().map { index, info in
            // Own and partner files may carry a chain after the leaf; only the leaf's OIN is checked.
            let days = info.daysUntilExpiry(at: now)
            var problem: String?
            if days < 0 {
                problem = "expired \(-days) day(s) ago"
            } else if days < warnDays {
                problem = "expires within \(warnDays) days"
            } else if info.validity(at: now) == .notYetValid {
                problem = "not valid yet"
            } else if !isAnchor, index == 0, let expected = entry.expectedOIN, info.oin != expected {
                problem = "OIN \(info.oin ?? "none") is not the configured \(expected)"
            }
            return Row(role: entry.role, file: entry.path, subject: info.subject, oin: info.oin,
                       not_after: TimeText.time(info.notAfter), days_left: days, problem: problem)
        }
    }

    /// The signing key in a PKCS#11 token, if configured: present, unlocked by the PIN, and the signing certificate's key.
    private func tokenRows(_ signing: SigningKeySettings) -> [Row] {
        guard let token = signing.pkcs11 else { return [] }
        let row = Row(role: "own: signing key in token", file: "pkcs11:token=\(token.token);object=\(token.key) (\(token.module))")
        do {
            _ = try SigningKeys(signing)
            return [row]
        } catch {
            var failed = row
            failed.problem = "\(error)"
            return [failed]
        }
    }

    private struct CertsJSON: Encodable {
        var warn_days: Int
        var certificates: [Row]
    }
}
