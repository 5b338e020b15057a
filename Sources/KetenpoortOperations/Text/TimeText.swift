import Foundation
import KetenpoortCore

/// Formats and parses the times and durations that operators read and type.
public enum TimeText {
    /// ISO 8601 with the local offset and seconds, e.g. `2026-11-23T14:03:12+01:00`.
    public static func time(_ date: Date?) -> String {
        guard let date else { return "-" }
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = .current
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }

    /// ISO 8601 in UTC with milliseconds, for JSON.
    public static func json(_ date: Date?) -> String? {
        date.map { RFC3339.utc($0, fractionalSeconds: true) }
    }

    /// A short duration: `0.23s`, `42s`, `7m05s`, `3h12m`, `2d04h`; negative durations as `-…`.
    public static func duration(_ seconds: TimeInterval) -> String {
        if seconds < 0 { return "-" + duration(-seconds) }
        if seconds > 0, seconds < 10 { return String(format: "%.2fs", seconds) }
        let total = Int(seconds.rounded(.down))
        switch total {
        case ..<60: return "\(total)s"
        case ..<3600: return String(format: "%dm%02ds", total / 60, total % 60)
        case ..<86400: return String(format: "%dh%02dm", total / 3600, (total % 3600) / 60)
        default: return String(format: "%dd%02dh", total / 86400, (total % 86400) / 3600)
        }
    }

    /// Parses `90s`, `30m`, `2h`, `3d` (or a plain number of seconds); nil if not a duration.
    public static func parseDuration(_ text: String) -> TimeInterval? {
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86400]
        guard let last = text.last else { return nil }
        if let unit = units[last], let value = Double(text.dropLast()), value >= 0 { return value * unit }
        if let value = Double(text), value >= 0 { return value }
        return nil
    }

    /// Parses an ISO 8601 date or date-time, or a duration meaning "that long ago"; nil if neither.
    public static func parseMoment(_ text: String, now: Date) -> Date? {
        parseDate(text) ?? parseDuration(text).map { now.addingTimeInterval(-$0) }
    }

    /// Parses an ISO 8601 date-time (with or without fractional seconds) or a date; nil if neither.
    public static func parseDate(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        for options: ISO8601DateFormatter.Options in [
            [.withInternetDateTime, .withFractionalSeconds], [.withInternetDateTime], [.withFullDate],
        ] {
            formatter.formatOptions = options
            if let date = formatter.date(from: text) { return date }
        }
        return nil
    }
}
