import Foundation

/// Timestamps as the contract, the JSON answers and the logs write them (RFC 3339 / xs:dateTime in UTC).
/// Foundation's ISO 8601 formatters cost tens of microseconds per call on Linux; these are per-message hot paths.
public enum RFC3339 {
    /// `2026-11-23T10:45:00Z`, or with `fractionalSeconds` `2026-11-23T10:45:00.123Z`.
    public static func utc(_ date: Date, fractionalSeconds: Bool = false) -> String {
        let interval = date.timeIntervalSince1970
        var seconds = Int(interval.rounded(.down))
        var millis = Int(((interval - Double(seconds)) * 1000).rounded())
        if millis == 1000 {
            seconds += 1
            millis = 0
        }
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        let (year, month, day) = civil(fromDays: days)
        var text = DutchCalendar.padded(year, 4) + "-" + DutchCalendar.padded(month, 2) + "-" + DutchCalendar.padded(day, 2)
        text += "T" + DutchCalendar.padded(secondOfDay / 3600, 2) + ":" + DutchCalendar.padded(secondOfDay % 3600 / 60, 2)
        text += ":" + DutchCalendar.padded(secondOfDay % 60, 2)
        if fractionalSeconds { text += "." + DutchCalendar.padded(millis, 3) }
        return text + "Z"
    }

    /// Year, month and day of a count of days since 1970-01-01 (H. Hinnant's civil_from_days).
    static func civil(fromDays days: Int) -> (year: Int, month: Int, day: Int) {
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
