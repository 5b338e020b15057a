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
