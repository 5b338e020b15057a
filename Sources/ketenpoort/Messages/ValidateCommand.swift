import ArgumentParser
import Foundation
import KetenpoortCommandLine
import KetenpoortCore
import KetenpoortOperations
import KetenpoortXML

/// `ketenpoort validate FILE...`: schema and domain rules, as lines or JSON.
struct ValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check messages against the contract (schema and domain rules).",
        discussion: HelpText.flowing("""
            Exit codes: 0 all valid, 1 some invalid, 2 usage error or unreadable file.
            Findings name the rule, the line and the element path, never a value from the message.

            Example:
              ketenpoort validate Examples/valid/*.xml
              ketenpoort validate --json Examples/invalid/KP-R001-bsn-elfproef.xml
            """)
    )

    @Argument(help: "XML files to check.")
    var files: [String]

    @Flag(help: "Print one JSON document with a result per file.")
    var json = false

    @OptionGroup var contract: ContractOptions

    func run() async throws {
        let validator = try contract.makeValidator()
        var results: [ValidationReport] = []
        var unreadable = false
        for file in files {
            guard let bytes = FileManager.default.contents(atPath: file) else {
                unreadable = true
                results.append(ValidationReport(file: file, valid: false, error: "cannot read file: \(InputFileCheck.unreadableReason(file))"))
                continue
            }
            do {
                let message = try validator.validate(bytes)
                results.append(ValidationReport(file: file, message: message))
            } catch let rejection as Rejection {
                results.append(ValidationReport(file: file, findings: rejection.findings))
            }
        }
        if json {
            try printJSON(results)
        } else {
            for result in results { print(result.humanReadable) }
        }
        if unreadable { throw ExitCode(2) }
        if results.contains(where: { !$0.valid }) { throw ExitCode(1) }
    }
}

/// The outcome for one file, printable as text or JSON.
struct ValidationReport: Encodable {
    let file: String
    let valid: Bool
    var kind: String?
    var messageId: String?
    var recipients: [String]?
    var findings: [Finding] = []
    var error: String?

    init(file: String, valid: Bool, error: String) {
        self.file = file
        self.valid = valid
        self.error = error
    }

    init(file: String, message: ValidatedMessage) {
        self.file = file
        valid = true
        kind = message.kind.name
        messageId = message.header.messageId
        recipients = message.recipients
    }

    init(file: String, findings: [Finding]) {
        self.file = file
        valid = false
        self.findings = findings
    }

    var humanReadable: String {
        if let error { return "\(file): error: \(error)" }
        if valid {
            return "\(file): valid \(kind ?? "") \(messageId ?? "") → \((recipients ?? []).joined(separator: ", "))"
        }
        return findings.map { "\(file): \($0.humanReadable)" }.joined(separator: "\n")
    }
}
