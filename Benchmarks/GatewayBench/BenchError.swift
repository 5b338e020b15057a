/// A benchmark could not be set up or run.
struct BenchError: Error, CustomStringConvertible {
    /// What went wrong.
    let description: String

    /// Creates an error with a message.
    init(_ description: String) { self.description = description }
}
