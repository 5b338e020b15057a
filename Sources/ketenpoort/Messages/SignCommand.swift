import ArgumentParser
import Foundation
import KetenpoortCommandLine
import KetenpoortOperations
import KetenpoortPKI
import KetenpoortXML

/// `ketenpoort sign`: adds the gateway's enveloped XMLDSig signature to a document.
struct SignCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sign",
        abstract: "Sign an XML document (enveloped XMLDSig, exclusive C14N, RSA-SHA256 or ECDSA-SHA256).",
        discussion: HelpText.flowing("""
            Example:
              ketenpoort sign --key dev-pki/gateway-sign-key.pem \\
                  --cert dev-pki/gateway-sign.pem \\
                  Examples/valid/zorgmelding-rotterdam-kind.xml -o signed.xml
            """)
    )

    @Option(help: "PEM private key (RSA 2048+ or EC P-256).")
    var key: String

    @Option(help: "PEM certificate of the key, placed in KeyInfo.")
    var cert: String

    @Option(name: .shortAndLong, help: "Write the signed document here instead of standard output.")
    var output: String?

    @Argument(help: "The XML document to sign.")
    var file: String

    func run() async throws {
        let signer: XMLSigner
        do {
            try InputFileCheck.requireSigningPair(keyFile: key, certificateFile: cert)
            signer = try XMLSigner(keyFile: URL(fileURLWithPath: key), certificateFile: URL(fileURLWithPath: cert))
        } catch {
            printError("error: \(error)")
            throw ExitCode(2)
        }
        guard let bytes = FileManager.default.contents(atPath: file) else {
            printError("error: \(InputFileCheck.cannotRead(file))")
            throw ExitCode(2)
        }
        let signed: Data
        do {
            signed = try signer.sign(bytes)
        } catch {
            printError("\(file): \(error)")
            throw ExitCode(1)
        }
        if let output {
            do { try signed.write(to: URL(fileURLWithPath: output), options: .atomic) } catch {
                printError("error: cannot write \(output)")
                throw ExitCode(2)
            }
        } else {
            FileHandle.standardOutput.write(signed)
        }
    }
}
