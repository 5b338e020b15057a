/// One reason a message was refused: which rule, where, and a message that never quotes the message's content.
public struct Finding: Sendable, Hashable, Codable {
    /// Stable rule code, e.g. `KP-R001`; documented in docs/rules.md.
    public let code: String
    /// Human-readable explanation naming the rule and the place, never a value from the message.
    public let message: String
    /// 1-based line in the input, when known.
    public let line: Int?
    /// 1-based column in the input, when known.
    public let column: Int?
    /// Element path such as `/Zorgmelding/Betrokkenen/Persoon[2]/BSN`, when known.
    public let path: String?

    /// Creates a finding.
    public init(code: String, message: String, line: Int? = nil, column: Int? = nil, path: String? = nil) {
        self.code = code
        self.message = message
        self.line = line
        self.column = column
        self.path = path
    }

    /// One line for people: `line 12, /Zorgmelding/Incident/Datum: KP-R006 date is in the future`.
    public var humanReadable: String {
        var place: [String] = []
        if let line { place.append(column.map { "line \(line):\($0)" } ?? "line \(line)") }
        if let path { place.append(path) }
        let prefix = place.isEmpty ? "" : place.joined(separator: ", ") + ": "
        return "\(prefix)\(code) \(message)"
    }
}

/// A message refused for one or more findings.
public struct Rejection: Error, Sendable, CustomStringConvertible {
    /// What was wrong, in document order where known.
    public let findings: [Finding]

    /// Creates a rejection from its findings.
    public init(_ findings: [Finding]) {
        self.findings = findings
    }

    /// Creates a rejection with a single finding.
    public init(code: String, message: String, line: Int? = nil, column: Int? = nil, path: String? = nil) {
        self.findings = [Finding(code: code, message: message, line: line, column: column, path: path)]
    }

    /// All findings, one per line.
    public var description: String {
        findings.map(\.humanReadable).joined(separator: "\n")
    }
}
