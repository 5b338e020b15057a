import ArgumentParser
import Foundation
import KetenpoortCommandLine
import KetenpoortOperations
import KetenpoortServer
import NIOCore

/// `ketenpoort submit`: posts a file over mutual TLS and prints the answer.
struct SubmitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "submit",
        abstract: "Post an XML file over mutual TLS and print the HTTP status and the response body.",
        discussion: HelpText.flowing("""
            TLS 1.2+ with the Ketenpoort cipher policy; the server certificate must chain to --ca and match the
            URL's host name. Exit codes: 0 on a 2xx answer, 1 on any other answer or a connection failure,
            2 usage error or unreadable file.

            Example:
              ketenpoort submit Examples/valid/zorgmelding-rotterdam-kind.xml \\
                  --url https://localhost:8443/v1/berichten \\
                  --cert dev-pki/politie-rotterdam-tls.pem \\
                  --key dev-pki/politie-rotterdam-tls-key.pem --ca dev-pki/ca.pem
            """)
    )

    @Argument(help: "The XML file to post.")
    var file: String

    @Option(help: "The endpoint URL (https).")
    var url: String

    @Option(help: "PEM file with the client certificate.")
    var cert: String

    @Option(help: "PEM file with the client's private key.")
    var key: String

    @Option(help: "PEM file with the CA certificate(s) the server must chain to (repeatable).")
    var ca: [String]

    @Option(help: "Content-Type of the request.")
    var contentType = "application/xml"

    func validate() throws {
        guard url.lowercased().hasPrefix("https://") else {
            throw ValidationError("--url must be an https:// URL")
        }
        guard !ca.isEmpty else { throw ValidationError("--ca is required") }
    }

    func run() async throws {
        guard let body = FileManager.default.contents(atPath: file) else {
            printError("error: \(InputFileCheck.cannotRead(file))")
            throw ExitCode(2)
        }
        let tls = TLSFiles(certificate: cert, privateKey: key, trustedCAs: ca)
        do {
            _ = try TLSPolicy.client(tls)
        } catch {
            printError("error: \(error)")
            throw ExitCode(2)
        }
        let answer: MutualTLSPost.Answer
        do {
            answer = try await MutualTLSPost.post(body, to: url, tls: tls, contentType: contentType)
        } catch {
            let failure = DeliveryErrorText.transportFailure(error, endpoint: DeliveryErrorText.endpoint(of: url),
                                                             connectTimeout: .seconds(10), readTimeout: .seconds(30))
            printError("error: request to \(url) failed: \(failure.text)")
            throw ExitCode(1)
        }
        print("HTTP \(answer.status)")
        if !answer.body.isEmpty {
            print(String(decoding: answer.body, as: UTF8.self))
        }
        if !(200..<300).contains(answer.status) { throw ExitCode(1) }
    }
}
