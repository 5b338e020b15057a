import Foundation
import Logging

/// Keeps every log record of the loggers it makes, with the instant it was made, for tests.
public final class LogRecorder: @unchecked Sendable {
    /// One log record.
    public struct Entry: Sendable {
        /// Its level.
        public let level: Logger.Level
        /// Its message.
        public let message: String
        /// Its metadata, rendered as text.
        public let metadata: [String: String]
        /// When it was logged.
        public let instant: ContinuousClock.Instant
    }

    private let lock = NSLock()
    private var stored: [Entry] = []

    /// Creates an empty recorder.
    public init() {}

    /// Every record so far, in order.
    public var entries: [Entry] { lock.withLock { stored } }

    /// The records whose message contains `text`.
    public func entries(containing text: String) -> [Entry] {
        entries.filter { $0.message.contains(text) }
    }

    /// A logger (level trace) that records into this recorder.
    public func logger(label: String = "test") -> Logger {
        var logger = Logger(label: label) { _ in RecordingLogHandler(recorder: self) }
        logger.logLevel = .trace
        return logger
    }

    fileprivate func append(_ entry: Entry) {
        lock.withLock { stored.append(entry) }
    }
}

/// The handler behind ``LogRecorder/logger(label:)``.
private struct RecordingLogHandler: LogHandler {
    let recorder: LogRecorder
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var all = metadata
        all.merge(event.metadata ?? [:]) { $1 }
        recorder.append(LogRecorder.Entry(level: event.level, message: "\(event.message)",
                                          metadata: all.mapValues { "\($0)" }, instant: .now))
    }
}
