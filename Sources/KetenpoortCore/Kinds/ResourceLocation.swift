import Foundation

/// Finds files that ship with Ketenpoort (schemas, the example routing table) when no path is configured.
public enum ResourceLocation {
    /// The schema directory: `$KETENPOORT_SCHEMAS`, else `Schemas/` found by `find`.
    public static func schemaDirectory() -> URL {
        if let configured = ProcessInfo.processInfo.environment["KETENPOORT_SCHEMAS"], !configured.isEmpty {
            return URL(fileURLWithPath: configured)
        }
        return find("Schemas/Zorgmelding.xsd")?.deletingLastPathComponent() ?? sourceTree.appendingPathComponent("Schemas")
    }

    /// The example routing table `Examples/routing/gemeenten-veiligthuis.csv`.
    public static func exampleRoutingTable() -> URL {
        let relative = "Examples/routing/gemeenten-veiligthuis.csv"
        return find(relative) ?? sourceTree.appendingPathComponent(relative)
    }

    /// Looks for a relative path beside and above the executable, under `share/ketenpoort`, in the
    /// current directory, and in the source tree this binary was built from.
    public static func find(_ relative: String) -> URL? {
        let fileManager = FileManager.default
        var candidates: [URL] = []
        var directory = URL(fileURLWithPath: CommandLine.arguments.first ?? ".").resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<5 {
            candidates.append(directory)
            candidates.append(directory.appendingPathComponent("share/ketenpoort"))
            directory = directory.deletingLastPathComponent()
        }
        candidates.append(URL(fileURLWithPath: fileManager.currentDirectoryPath))
        candidates.append(sourceTree)
        return candidates.map { $0.appendingPathComponent(relative) }.first { fileManager.fileExists(atPath: $0.path) }
    }

    /// The root of the source tree this file was compiled from.
    static var sourceTree: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
    }
}
