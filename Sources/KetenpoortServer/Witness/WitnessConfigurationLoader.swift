import Foundation
import Yams

extension WitnessConfiguration {
    /// Reads and checks a YAML witness configuration; errors name the file and the key.
    public static func load(file path: String) throws -> WitnessConfiguration {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw WitnessConfigurationError(file: path, problems: ["cannot read the file"])
        }
        let configuration: WitnessConfiguration
        do {
            configuration = try YAMLDecoder().decode(WitnessConfiguration.self, from: String(decoding: data, as: UTF8.self))
        } catch let error as DecodingError {
            throw WitnessConfigurationError(file: path, problems: [describe(error)])
        } catch {
            throw WitnessConfigurationError(file: path, problems: ["not valid YAML (\(error))"])
        }
        let problems = configuration.problems
        guard problems.isEmpty else { throw WitnessConfigurationError(file: path, problems: problems) }
        return configuration
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
