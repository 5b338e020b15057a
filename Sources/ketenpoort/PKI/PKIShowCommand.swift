import ArgumentParser
import Foundation
import KetenpoortCommandLine
import KetenpoortPKI

/// `ketenpoort pki show FILE...`: prints subject, OIN, issuer, validity and days left of each certificate.
struct PKIShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show subject, OIN, issuer, validity and days left of certificates (PEM bundles or DER).",
        discussion: HelpText.flowing("""
            Exit codes: 0 shown, 2 a file cannot be read as certificates (said in words, with the file).

            Example:
              ketenpoort pki show dev-pki/gateway-sign.pem dev-pki/ca.pem
            """)
    )

    @Argument(help: "Certificate files (PEM, possibly with several certificates, or DER).")
    var files: [String]

    /// Rejects a call without files.
    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("give at least one certificate file") }
    }

    /// Prints every certificate of every file; exits with failure if any file could not be read.
    func run() throws {
        var failed = false
        let now = Date()
        var printed = false
        for file in files {
            do {
                let infos = try CertificateInfo.loadBundle(file: file)
                for (number, info) in infos.enumerated() {
                    if printed { print("") }
                    printed = true
                    let label = infos.count > 1 ? "\(file) [\(number + 1)/\(infos.count)]" : file
                    print(CertificateInfoReport.text(for: info, label: label, at: now))
                }
            } catch {
                failed = true
                FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            }
        }
        if failed { throw ExitCode.failure }
    }
}
