/// A command-line error with a one-line message.
public struct CLIError: Error, Sendable, CustomStringConvertible {
    /// The message shown to the operator.
    public let description: String

    /// Creates an error with its message.
    public init(_ description: String) { self.description = description }
}
