import ArgumentParser
import Foundation
import KetenpoortCommandLine
import KetenpoortPKI

/// `ketenpoort pki dev DIR`: creates a development CA and TLS and signing certificates for every party.
struct PKIDevCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dev",
        abstract: "Create a DEVELOPMENT-ONLY PKI (CA, TLS and signing certificates with invented OINs) in DIR.",
        discussion: HelpText.flowing("""
            The parties are those of the examples: the gateway, four police units, SHN, OM and four Veilig Thuis
            regions; parties.json lists them with their OINs and files. Never use these certificates in production.

            Example:
              ketenpoort pki dev ./dev-pki
            """)
    )

    /// The kind of key for the signing certificates.
    enum SigningKey: String, ExpressibleByArgument, CaseIterable {
        case rsa
        case ecdsa
    }

    @Argument(help: "Directory to write the PEM files and parties.json to (created if missing).")
    var directory: String

    @Flag(help: "Overwrite an existing development PKI in DIR.")
    var force = false

    @Option(help: "Key type of the signing certificates: rsa (RSA-2048) or ecdsa (P-256).")
    var signingKey: SigningKey = .rsa

    /// Creates the development PKI and prints what it wrote.
    func run() throws {
        var options = DevelopmentPKI.Options()
        options.overwrite = force
        options.signingKeyType = signingKey == .ecdsa ? .p256 : .rsa2048
        let pki = try DevelopmentPKI.create(in: directory, options: options)
        print(DevelopmentPKIReport.text(for: pki))
    }
}
