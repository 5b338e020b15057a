import Foundation

/// Where the XSD files are found when no directory is configured.
public enum SchemaLocation {
    /// `$KETENPOORT_SCHEMAS`, then `Schemas/` beside or above the executable, then `./Schemas`, then the source tree.
    public static func defaultDirectory() -> URL {
        let fileManager = FileManager.default
        var candidates: [URL] = []
        if let configured = ProcessInfo.processInfo.environment["KETENPOORT_SCHEMAS"], !configured.isEmpty {
            candidates.append(URL(fileURLWithPath: configured))
        }
        var directory = URL(fileURLWithPath: CommandLine.arguments.first ?? ".").resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<5 {
            candidates.append(directory.appendingPathComponent("Schemas"))
            candidates.append(directory.appendingPathComponent("share/ketenpoort/Schemas"))
            directory = directory.deletingLastPathComponent()
        }
        candidates.append(URL(fileURLWithPath: fileManager.currentDirectoryPath).appendingPathComponent("Schemas"))
        let sourceTree = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Schemas")
        candidates.append(sourceTree)
        let marker = "Zorgmelding.xsd"
        return candidates.first { fileManager.fileExists(atPath: $0.appendingPathComponent(marker).path) } ?? sourceTree
    }
}
