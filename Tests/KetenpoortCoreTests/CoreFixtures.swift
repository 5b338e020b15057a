import Foundation
import KetenpoortCore
import KetenpoortXML

/// The contract as shipped in the repository: schemas, example routing table, examples.
enum CoreFixtures {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let validator: Result<MessageValidator, any Error> = Result {
        let registry = try MessageKindRegistry(schemaDirectory: repository.appendingPathComponent("Schemas"))
        let table = try MunicipalityRegions(contentsOf: repository.appendingPathComponent("Examples/routing/gemeenten-veiligthuis.csv"))
        return MessageValidator(registry: registry, routingTable: table)
    }

    static func example(_ relative: String) throws -> String {
        String(decoding: try Data(contentsOf: repository.appendingPathComponent("Examples").appendingPathComponent(relative)), as: UTF8.self)
    }

    static func files(in folder: String) throws -> [URL] {
        try FileManager.default.contentsOfDirectory(at: repository.appendingPathComponent("Examples").appendingPathComponent(folder),
                                                    includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "xml" }.sorted { $0.path < $1.path }
    }

    /// Validates text; returns the codes of the findings (empty when valid).
    static func codes(_ text: String, now: Date = Date()) throws -> [String] {
        do {
            _ = try validator.get().validate(Data(text.utf8), now: now)
            return []
        } catch let rejection as Rejection {
            return rejection.findings.map(\.code)
        }
    }
}
