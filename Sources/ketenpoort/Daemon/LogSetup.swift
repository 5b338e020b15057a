import ArgumentParser
import Foundation
import KetenpoortCore
import Logging

/// How log lines are written.
enum LogFormat: String, ExpressibleByArgument, CaseIterable {
    case logfmt
    case json
}

/// One structured line per event on standard error; never payload content (callers pass ids, kinds, outcomes).
enum LogSetup {
    /// Bootstraps swift-log once and returns the gateway's logger.
    static func bootstrap(format: LogFormat, level: Logger.Level) -> Logger {
        LoggingSystem.bootstrap { label in
            var handler = StructuredLogHandler(label: label, format: format)
            handler.logLevel = level
            return handler
        }
        return Logger(label: "ketenpoort")
    }
}

/// Writes `time=… level=… msg=… key=value` (logfmt) or a JSON object per line.
struct StructuredLogHandler: LogHandler {
    let label: String
    let format: LogFormat
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var fields: [(String, String)] = [
            ("time", RFC3339.utc(Date())), ("level", event.level.rawValue), ("msg", "\(event.message)"),
        ]
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        for key in merged.keys.sorted() { fields.append((key, "\(merged[key] ?? "")")) }
        let line: String
        switch format {
        case .json:
            let object = Dictionary(fields, uniquingKeysWith: { $1 })
            let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
            line = String(decoding: data, as: UTF8.self)
        case .logfmt:
            line = fields.map { key, value in
                let needsQuotes = value.isEmpty || value.contains(where: { $0 == " " || $0 == "\"" || $0 == "=" })
                return "\(key)=" + (needsQuotes ? "\"" + value.replacingOccurrences(of: "\"", with: "\\\"") + "\"" : value)
            }.joined(separator: " ")
        }
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
