import ArgumentParser
import Foundation
import KetenpoortCore
import KetenpoortXML

/// Options that locate the contract: the schema directory and the municipality routing table.
public struct ContractOptions: ParsableArguments {
    /// Options as parsed.
    public init() {}

    @Option(help: "Directory with the XSD files (default: the Schemas/ that ships with ketenpoort).")
    public var schemas: String?

    @Option(help: "Municipality → Veilig Thuis region CSV (default: Examples/routing/gemeenten-veiligthuis.csv).")
    public var routing: String?

    @Option(help: "Largest accepted message in bytes.")
    public var maxBytes: Int = ReadLimits.standard.maxBytes

    /// Builds the validator, or exits with code 2 and a clear message when a file is missing or broken.
    public func makeValidator() throws -> MessageValidator {
        let schemaDirectory = schemas.map { URL(fileURLWithPath: $0) } ?? ResourceLocation.schemaDirectory()
        let routingFile = routing.map { URL(fileURLWithPath: $0) } ?? ResourceLocation.exampleRoutingTable()
        do {
            let registry = try MessageKindRegistry(schemaDirectory: schemaDirectory)
            let table = try MunicipalityRegions(contentsOf: routingFile)
            return MessageValidator(registry: registry, routingTable: table, limits: ReadLimits(maxBytes: maxBytes))
        } catch {
            printError("error: \(error)")
            throw ExitCode(2)
        }
    }
}

/// Writes a line to standard error.
public func printError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}

/// Prints a value as pretty, key-sorted JSON on standard output.
public func printJSON<T: Encodable>(_ value: T) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    let data = try encoder.encode(value)
    print(String(decoding: data, as: UTF8.self))
}
