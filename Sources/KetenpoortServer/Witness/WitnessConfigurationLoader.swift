import Foundation

extension WitnessConfiguration {
    /// Reads and checks a YAML witness configuration; errors name the file and the key.
    public static func load(file path: String) throws -> WitnessConfiguration {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw WitnessConfigurationError(file: path, problems: ["cannot read the file"])
        }
        let configuration: WitnessConfiguration
        do throws(StrictYAML.Failure) {
            configuration = try StrictYAML.decode(WitnessConfiguration.self, from: String(decoding: data, as: UTF8.self))
        } catch {
            switch error {
            case .decoding(let decodingError):
                throw WitnessConfigurationError(file: path, problems: [describe(decodingError)])
            case .syntax:
                throw WitnessConfigurationError(file: path, problems: [error.syntaxText ?? "not valid YAML"])
            case .unknownKeys(let keys):
                throw WitnessConfigurationError(file: path, problems: keys.map { "\($0.path): \($0.message)" })
            }
        }
        let problems = configuration.problems
        guard problems.isEmpty else { throw WitnessConfigurationError(file: path, problems: problems) }
        return configuration.resolvingPaths(againstFileAt: path)
    }

    private static func describe(_ error: DecodingError) -> String {
        func path(_ codingPath: [any CodingKey], _ last: (any CodingKey)? = nil) -> String {
            (codingPath + (last.map { [$0] } ?? [])).map { key in key.intValue.map { "[\($0)]" } ?? key.stringValue }
                .joined(separator: ".").replacingOccurrences(of: ".[", with: "[")
        }
        switch error {
        case .keyNotFound(let key, let context): return "\(path(context.codingPath, key)): required key is missing"
        case .typeMismatch(let type, let context): return "\(path(context.codingPath)): expected \(type)"
        case .valueNotFound(let type, let context): return "\(path(context.codingPath)): expected \(type), found nothing"
        case .dataCorrupted(let context): return "\(path(context.codingPath)): \(context.debugDescription)"
        @unknown default: return "cannot be decoded"
        }
    }
}
