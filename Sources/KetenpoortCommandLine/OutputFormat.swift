import ArgumentParser
import Foundation

/// `--json`: machine-readable output instead of the human table.
public struct JSONOption: ParsableArguments {
    /// Options as parsed.
    public init() {}

    @Flag(help: "Print JSON (stable keys, for scripts) instead of a table.")
    public var json = false
}

/// Writes output to stdout.
public enum Output {
    /// Prints a value as pretty JSON with sorted keys.
    public static func json(_ value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(value)
        data.append(0x0A)
        FileHandle.standardOutput.write(data)
    }

    /// Prints text followed by a newline.
    public static func text(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }
}

/// Comma-separated values as in RFC 4180 (fields quoted when needed).
public enum CSV {
    /// One line of fields.
    public static func line(_ fields: [String]) -> String {
        fields.map { field in
            guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
            return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }.joined(separator: ",")
    }
}
