import Foundation

/// Reads the YAML configuration and resolves relative paths against the file's directory.
public enum ConfigurationLoader {
    /// Loads, decodes and resolves; errors name the key that is wrong.
    public static func load(file: String) throws -> GatewayConfiguration {
        let url = URL(fileURLWithPath: file)
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw ConfigurationError([ConfigurationProblem(key: "(file)", problem: "cannot read \(file)")])
        }
        return try decode(String(decoding: data, as: UTF8.self), baseDirectory: url.deletingLastPathComponent())
    }

    /// Decodes YAML text; relative paths are taken relative to `baseDirectory`.
    public static func decode(_ text: String, baseDirectory: URL) throws -> GatewayConfiguration {
        do throws(StrictYAML.Failure) {
            var configuration = try StrictYAML.decode(GatewayConfiguration.self, from: text)
            configuration.resolvePaths(relativeTo: baseDirectory)
            return configuration
        } catch {
            throw ConfigurationError(error.problems)
        }
    }
}

extension StrictYAML.Failure {
    /// The failure as configuration problems, one per unknown key.
    var problems: [ConfigurationProblem] {
        switch self {
        case .syntax:
            [ConfigurationProblem(key: key, problem: syntaxText ?? "not valid YAML")]
        case .decoding(let error):
            [ConfigurationProblem(decodingError: error)]
        case .unknownKeys(let keys):
            keys.map { ConfigurationProblem(key: $0.path, problem: $0.message) }
        }
    }
}

extension GatewayConfiguration {
    /// Makes every file path absolute, relative to the configuration file's directory.
    mutating func resolvePaths(relativeTo base: URL) {
        func resolve(_ path: String) -> String {
            path.hasPrefix("/") ? path : base.appendingPathComponent(path).standardizedFileURL.path
        }
        stateDirectory = resolve(stateDirectory)
        store = store?.resolved(with: resolve)
        schemaDirectory = schemaDirectory.map(resolve)
        intake.tls = intake.tls.resolved(with: resolve)
        courier.tls = courier.tls.resolved(with: resolve)
        courier.receiptTrustedCAs = courier.receiptTrustedCAs.map(resolve)
        signing.certificate = resolve(signing.certificate)
        signing.privateKey = signing.privateKey.map(resolve)
        signing.pkcs11 = signing.pkcs11?.resolved(with: resolve)
        routing.municipalities = resolve(routing.municipalities)
        for index in partners.indices {
            partners[index].signingCertificates = partners[index].signingCertificates.map(resolve)
        }
    }
}

extension TLSFiles {
    /// The same files with each path passed through `resolve`.
    func resolved(with resolve: (String) -> String) -> TLSFiles {
        TLSFiles(certificate: resolve(certificate), privateKey: resolve(privateKey), trustedCAs: trustedCAs.map(resolve))
    }
}

/// One problem in the configuration: the key (dotted path) and what is wrong.
public struct ConfigurationProblem: Sendable, Hashable, CustomStringConvertible {
    /// Dotted key, e.g. `partners[2].endpoint`.
    public let key: String
    /// What is wrong with it.
    public let problem: String

    /// Creates a problem report.
    public init(key: String, problem: String) {
        self.key = key
        self.problem = problem
    }

    /// Describes a decoding error by the key it happened at.
    init(decodingError: DecodingError) {
        func path(_ codingPath: [any CodingKey]) -> String {
            codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().trimmingCharacters(in: CharacterSet(charactersIn: "."))
        }
        switch decodingError {
        case .keyNotFound(let key, let context):
            let parent = path(context.codingPath)
            self.init(key: parent.isEmpty ? key.stringValue : "\(parent).\(key.stringValue)", problem: "is required but missing")
        case .typeMismatch(let type, let context):
            self.init(key: path(context.codingPath), problem: "has the wrong type (expected \(type))")
        case .valueNotFound(let type, let context):
            self.init(key: path(context.codingPath), problem: "is empty (expected \(type))")
        case .dataCorrupted(let context):
            self.init(key: path(context.codingPath).isEmpty ? "(document)" : path(context.codingPath), problem: context.debugDescription)
        @unknown default:
            self.init(key: "(document)", problem: "cannot be decoded")
        }
    }

    /// `key: problem`.
    public var description: String { "\(key): \(problem)" }
}

/// The configuration is unusable; lists every problem found.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    /// Each problem with its key.
    public let problems: [ConfigurationProblem]

    /// Creates an error from problems.
    public init(_ problems: [ConfigurationProblem]) {
        self.problems = problems
    }

    /// One problem per line.
    public var description: String { problems.map(\.description).joined(separator: "\n") }
}
