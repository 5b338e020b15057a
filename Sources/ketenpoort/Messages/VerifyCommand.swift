import ArgumentParser
import Foundation
import KetenpoortCommandLine
import KetenpoortOperations
import KetenpoortPKI
import KetenpoortXML

/// `ketenpoort verify`: checks a signed document against trust anchors and names the signer.
struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify a signed XML document and print the signer and its OIN.",
        discussion: HelpText.flowing("""
            The signing certificate must be meant for signing: keyUsage digitalSignature or nonRepudiation,
            and not a TLS certificate (extendedKeyUsage serverAuth/clientAuth without a document-signing purpose).
            With --expect-oin the signer must also be that organisation.
            Exit codes: 0 valid, 1 invalid (the reason is printed), 2 usage error or unreadable file.

            Example:
              ketenpoort verify --trust dev-pki/ca.pem --expect-oin 00000099000000000900 \\
                  signed.xml
            """)
    )

    @Option(help: "PEM file with the trusted CA certificate(s).")
    var trust: String

    @Option(help: "Require the signer's OIN (subject serialNumber, 20 digits) to be this one.")
    var expectOin: String?

    @Flag(help: "Print the result as JSON.")
    var json = false

    @Argument(help: "The signed XML document.")
    var file: String

    func validate() throws {
        if let expectOin, !(expectOin.count == 20 && expectOin.allSatisfy({ $0.isASCII && $0.isNumber })) {
            throw ValidationError("--expect-oin must be an OIN of 20 digits")
        }
    }

    func run() async throws {
        let verifier: SignatureVerifier
        do {
            try InputFileCheck.requireCertificates(trust)
        } catch {
            printError("error: --trust \(error)")
            throw ExitCode(2)
        }
        do {
            verifier = try SignatureVerifier(trustAnchorsFile: URL(fileURLWithPath: trust))
        } catch {
            printError("error: \(trust): \(error)")
            throw ExitCode(2)
        }
        guard let bytes = FileManager.default.contents(atPath: file) else {
            printError("error: \(InputFileCheck.cannotRead(file))")
            throw ExitCode(2)
        }
        do {
            let signer = try verifier.verify(bytes)
            if let expectOin, signer.oin != expectOin { throw SignatureFailure.unexpectedSigner }
            if json {
                try printJSON(["file": file, "valid": "true", "signer": signer.subject, "oin": signer.oin ?? ""])
            } else {
                print("\(file): signature valid")
                print("signer: \(signer.subject)")
                print("oin: \(signer.oin ?? "(none)")")
            }
        } catch {
            if json {
                try printJSON(["file": file, "valid": "false", "reason": "\(error)"])
            } else {
                print("\(file): signature INVALID: \(error)")
            }
            throw ExitCode(1)
        }
    }
}
