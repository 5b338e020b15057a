import Foundation

/// The municipality → Veilig Thuis region table (configuration data, loaded from CSV).
public struct MunicipalityRegions: Sendable {
    private let regions: [String: String]

    /// Creates a table from a dictionary of CBS code → region id.
    public init(_ regions: [String: String]) {
        self.regions = regions
    }

    /// Reads CSV with header `gemeentecode,gemeente,veilig_thuis_regio`; errors name the line.
    public init(csv text: String, source: String = "routing table") throws {
        var regions: [String: String] = [:]
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
        guard let header = lines.first, header.lowercased().hasPrefix("gemeentecode,") else {
            throw RoutingTableError(source: source, line: 1, problem: "the first line must be the header gemeentecode,gemeente,veilig_thuis_regio")
        }
        for (index, line) in lines.enumerated().dropFirst() where !line.trimmingCharacters(in: .whitespaces).isEmpty {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard fields.count >= 3 else {
                throw RoutingTableError(source: source, line: index + 1, problem: "expected 3 fields, found \(fields.count)")
            }
            let code = fields[0]
            let region = fields[fields.count - 1]
            guard code.count == 4, code.allSatisfy({ $0.isASCII && $0.isNumber }) else {
                throw RoutingTableError(source: source, line: index + 1, problem: "municipality code must be 4 digits")
            }
            guard !region.isEmpty else {
                throw RoutingTableError(source: source, line: index + 1, problem: "region id is empty")
            }
            if let existing = regions[code], existing != region {
                throw RoutingTableError(source: source, line: index + 1, problem: "municipality \(code) is mapped twice")
            }
            regions[code] = region
        }
        self.regions = regions
    }

    /// Reads the CSV file.
    public init(contentsOf url: URL) throws {
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw RoutingTableError(source: url.path, line: 0, problem: "cannot be read as UTF-8")
        }
        try self.init(csv: text, source: url.path)
    }

    /// The region responsible for a municipality, or nil.
    public func region(forMunicipality code: String) -> String? {
        regions[code]
    }

    /// Every municipality code in the table.
    public var municipalities: Set<String> { Set(regions.keys) }

    /// Every region id in the table.
    public var regionIds: Set<String> { Set(regions.values) }
}

/// A problem in the routing table file, with its line.
public struct RoutingTableError: Error, Sendable, CustomStringConvertible {
    /// File or name of the table.
    public let source: String
    /// 1-based line (0 when the file cannot be read).
    public let line: Int
    /// What is wrong.
    public let problem: String

    /// `file:line: problem`.
    public var description: String { "\(source):\(line): \(problem)" }
}
