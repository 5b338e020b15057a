import Foundation

/// Finds files that ship with Ketenpoort (schemas, the example routing table) when no path is configured.
public enum ResourceLocation {
    /// Where a Debian package installs the schemas.
    public static let systemSchemaDirectory = URL(fileURLWithPath: "/usr/share/ketenpoort/Schemas")

    /// The schema directory: `$KETENPOORT_SCHEMAS`, else `Schemas/` found by `find`: beside the binary
    /// (`<prefix>/bin` → `<prefix>/share/ketenpoort/Schemas`), in `/usr/share/ketenpoort`, in a development checkout.
    public static func schemaDirectory() -> URL {
        if let configured = ProcessInfo.processInfo.environment["KETENPOORT_SCHEMAS"], !configured.isEmpty {
            return URL(fileURLWithPath: configured)
        }
        return find("Schemas/Zorgmelding.xsd")?.deletingLastPathComponent() ?? systemSchemaDirectory
    }

    /// The example routing table `Examples/routing/gemeenten-veiligthuis.csv`.
    public static func exampleRoutingTable() -> URL {
        let relative = "Examples/routing/gemeenten-veiligthuis.csv"
        return find(relative) ?? URL(fileURLWithPath: "/usr/share/ketenpoort").appendingPathComponent(relative)
    }

    /// Looks for a relative path beside and above the executable and under `share/ketenpoort` there (an installed
    /// or unpacked package), then in `/usr/share/ketenpoort`, the current directory, and, in debug builds only,
    /// the source tree this binary was built from.
    public static func find(_ relative: String) -> URL? {
        let fileManager = FileManager.default
        var candidates: [URL] = []
        var directory = URL(fileURLWithPath: CommandLine.arguments.first ?? ".").resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<5 {
            candidates.append(directory)
            candidates.append(directory.appendingPathComponent("share/ketenpoort"))
            directory = directory.deletingLastPathComponent()
        }
        candidates.append(systemSchemaDirectory.deletingLastPathComponent())
        candidates.append(URL(fileURLWithPath: fileManager.currentDirectoryPath))
        #if DEBUG
        // Development only: a release binary never looks in the source tree of the machine that built it.
        candidates.append(sourceTree)
        #endif
        return candidates.map { $0.appendingPathComponent(relative) }.first { fileManager.fileExists(atPath: $0.path) }
    }

    #if DEBUG
    /// The root of the source tree this file was compiled from (debug builds only).
    static var sourceTree: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
    }
    #endif
}
