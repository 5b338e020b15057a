import Foundation
import KetenpoortXML

/// A rule of the chain that the schema cannot express; it reports findings, never values.
public protocol DomainRule: Sendable {
    /// Stable code, e.g. `KP-R001`.
    var code: String { get }
    /// One sentence for the rules table in docs/rules.md.
    var summary: String { get }
    /// Checks a schema-valid message.
    func check(_ root: XMLElementNode, context: RuleContext) -> [Finding]
}

/// What rules may consult besides the message: the date and the routing table.
public struct RuleContext: Sendable {
    /// Today's date in the Netherlands, `YYYY-MM-DD`.
    public let today: String
    /// Now, for dateTime comparisons.
    public let now: Date
    /// CBS municipality codes known to the routing table.
    public let knownMunicipalities: Set<String>
    /// The latest day a past event may have, allowing five minutes of clock skew, `YYYY-MM-DD`.
    public let latestAllowedDay: String

    /// Creates a context for `now` (dates are taken in Europe/Amsterdam).
    public init(now: Date = Date(), knownMunicipalities: Set<String>) {
        self.now = now
        self.today = DutchCalendar.dateString(now)
        self.latestAllowedDay = DutchCalendar.dateString(now.addingTimeInterval(NoFutureDates.allowedSkew))
        self.knownMunicipalities = knownMunicipalities
    }
}

/// Dates as the chain writes them (xs:date, `YYYY-MM-DD`) in the Dutch time zone.
public enum DutchCalendar {
    /// `YYYY-MM-DD` of the given moment in Europe/Amsterdam.
    public static func dateString(_ date: Date) -> String {
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        return padded(parts.year ?? 0, 4) + "-" + padded(parts.month ?? 0, 2) + "-" + padded(parts.day ?? 0, 2)
    }

    /// The Gregorian calendar in Europe/Amsterdam, made once.
    private static let calendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Europe/Amsterdam") ?? TimeZone(secondsFromGMT: 3600) ?? .current
        return calendar
    }()

    /// A non-negative number with leading zeros to `width` digits.
    static func padded(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    /// The moment an xs:dateTime with a time zone (RFC 3339, e.g. `2026-06-22T14:05:00+02:00`) names; nil for other shapes.
    public static func moment(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        func number(_ from: Int, _ count: Int) -> Int? {
            guard from + count <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[from..<(from + count)] {
                guard byte >= 0x30, byte <= 0x39 else { return nil }
                value = value * 10 + Int(byte - 0x30)
            }
            return value
        }
        guard bytes.count >= 20, bytes[4] == 0x2D, bytes[7] == 0x2D, bytes[10] == 0x54 || bytes[10] == 0x74,
              bytes[13] == 0x3A, bytes[16] == 0x3A,
              let year = number(0, 4), let month = number(5, 2), let day = number(8, 2),
              let hour = number(11, 2), let minute = number(14, 2), let second = number(17, 2),
              (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61 else { return nil }
        var index = 19
        var fraction = 0.0
        if bytes[index] == 0x2E {
            var scale = 0.1
            index += 1
            let start = index
            while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 {
                fraction += Double(bytes[index] - 0x30) * scale
                scale /= 10
                index += 1
            }
            guard index > start else { return nil }
        }
        guard index < bytes.count else { return nil }
        var offset = 0
        switch bytes[index] {
        case 0x5A, 0x7A:
            guard index + 1 == bytes.count else { return nil }
        case 0x2B, 0x2D:
            guard index + 6 == bytes.count, bytes[index + 3] == 0x3A,
                  let offsetHours = number(index + 1, 2), let offsetMinutes = number(index + 4, 2) else { return nil }
            offset = (offsetHours * 60 + offsetMinutes) * 60 * (bytes[index] == 0x2D ? -1 : 1)
        default:
            return nil
        }
        // Days from 1970-01-01 in the proleptic Gregorian calendar (H. Hinnant's days_from_civil).
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146_097 + dayOfEra - 719_468
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset
        return Date(timeIntervalSince1970: Double(seconds) + fraction)
    }

    /// The `YYYY-MM-DD` part of an xs:date or xs:dateTime, or nil when it has another shape.
    public static func datePart(_ text: String) -> String? {
        let prefix = String(text.prefix(10))
        let shape = prefix.enumerated().allSatisfy { index, character in
            index == 4 || index == 7 ? character == "-" : character.isASCII && character.isNumber
        }
        return prefix.count == 10 && shape ? prefix : nil
    }

    /// True when someone born on `birth` is under 18 on `day` (both `YYYY-MM-DD`).
    public static func isMinor(born birth: String, on day: String) -> Bool {
        guard let year = Int(birth.prefix(4)) else { return false }
        let eighteenth = padded(year + 18, 4) + birth.dropFirst(4)
        return eighteenth > day
    }
}
