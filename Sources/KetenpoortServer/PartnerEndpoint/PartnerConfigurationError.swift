/// A problem in a partner endpoint configuration file, naming the file and the key.
public struct PartnerConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The configuration file (or `configuration` when built in code).
    public let file: String
    /// The key path, e.g. `tls.certificate`; empty for the whole file.
    public let key: String
    /// What is wrong.
    public let problem: String

    /// Creates an error.
    public init(file: String, key: String, problem: String) {
        self.file = file
        self.key = key
        self.problem = problem
    }

    /// `file: key: problem`.
    public var description: String {
        key.isEmpty ? "\(file): \(problem)" : "\(file): \(key): \(problem)"
    }
}
