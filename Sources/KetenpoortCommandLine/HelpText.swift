/// Help texts written in the source as wrapped paragraphs, made to wrap at the reader's terminal instead.
public enum HelpText {
    /// Joins the lines of each prose paragraph, so the help printer wraps them at its own width rather than breaking a
    /// source line of 110 characters into one of 80 and one of 30. Indented lines (examples, their continuations,
    /// tables), blank lines, headings such as `Examples:` (set off by a blank line) and list items (`- …`) keep their
    /// own lines.
    public static func flowing(_ text: String) -> String {
        var lines: [String] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if let last = lines.last, endsProse(last), continuesProse(line) {
                lines[lines.count - 1] = last + " " + line
            } else if let last = lines.last, !last.isEmpty, isHeading(line) {
                // A heading such as `Examples:` stands apart from the paragraph above it.
                lines += ["", line]
            } else {
                lines.append(line)
            }
        }
        return lines.joined(separator: "\n")
    }

    /// A line the next prose line may be joined to.
    private static func endsProse(_ line: String) -> Bool {
        !line.isEmpty && !line.hasPrefix(" ") && !line.hasSuffix(":") && !isHeading(line)
    }

    /// A line that goes on with the paragraph above it.
    private static func continuesProse(_ line: String) -> Bool {
        !line.isEmpty && !line.hasPrefix(" ") && !isHeading(line) && !line.hasPrefix("- ") && !line.hasPrefix("* ")
    }

    /// `Example:`, `Examples:` and other short lines ending in a colon.
    private static func isHeading(_ line: String) -> Bool {
        line.hasPrefix("Example") || (line.hasSuffix(":") && line.count <= 40)
    }
}
