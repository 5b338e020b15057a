import Foundation

/// A running count on standard error, redrawn in place; shown only when standard error is a terminal.
public final class ProgressLine: Sendable {
    private let enabled: Bool

    /// A progress line; with `enabled` false (or standard error not a terminal) it shows nothing.
    public init(enabled: Bool = true) {
        self.enabled = enabled && isatty(STDERR_FILENO) == 1
    }

    /// Replaces the line with `text`.
    public func show(_ text: String) {
        guard enabled else { return }
        FileHandle.standardError.write(Data(("\r\u{1B}[K" + text).utf8))
    }

    /// Ends the line, leaving the last count visible.
    public func finish() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\n".utf8))
    }
}
