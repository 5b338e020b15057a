import Foundation
import KetenpoortXML

/// KP-R001: every BSN passes the elfproef.
public struct BSNElfproef: DomainRule {
    /// Creates the rule.
    public init() {}
    /// Stable code.
    public let code = "KP-R001"
    /// Rule description.
    public let summary = "Every BSN passes the elfproef (9·d1 + 8·d2 + … + 2·d8 − d9 is divisible by 11)."

    /// Checks every element named `BSN`.
    public func check(_ root: XMLElementNode, context: RuleContext) -> [Finding] {
        root.elements(named: "BSN").filter { !Self.passes($0.text) }.map {
            Finding(code: code, message: "BSN fails the elfproef", line: $0.line, path: $0.path)
        }
    }

    /// True when the text is 9 digits that pass the elfproef.
    public static func passes(_ bsn: String) -> Bool {
        let digits = bsn.compactMap { $0.isASCII ? $0.wholeNumberValue : nil }
        guard digits.count == 9, bsn.count == 9 else { return false }
        var sum = 0
        for (index, digit) in digits.enumerated() {
            sum += index == 8 ? -digit : digit * (9 - index)
        }
        return sum % 11 == 0 && digits.contains { $0 != 0 }
    }
}

/// KP-R002: every municipality code is known to the routing table.
public struct MunicipalityKnown: DomainRule {
    /// Creates the rule.
    public init() {}
    /// Stable code.
    public let code = "KP-R002"
    /// Rule description.
    public let summary = "Every municipality code (CBS, 4 digits) is known to the routing table."

    /// Checks every element named `Gemeentecode`.
    public func check(_ root: XMLElementNode, context: RuleContext) -> [Finding] {
        root.elements(named: "Gemeentecode").filter { !context.knownMunicipalities.contains($0.text) }.map {
            Finding(code: code, message: "municipality code is not in the routing table", line: $0.line, path: $0.path)
        }
    }
}

/// KP-R006: dates of events and births are not in the future.
public struct NoFutureDates: DomainRule {
    /// Creates the rule.
    public init() {}
    /// Stable code.
    public let code = "KP-R006"
    /// Rule description.
    public let summary = "Dates of events, births, assessments and creation are not in the future (measure dates may be)."
    /// Elements that record something that has happened; measures' Begindatum/Einddatum are plans and exempt.
    static let pastDateElements: Set<String> = ["Datum", "Geboortedatum", "AanmaakTijdstip", "OntvangstTijdstip"]
    /// Clock skew allowed for creation times.
    static let allowedSkew: TimeInterval = 300

    /// Checks the date elements listed in `pastDateElements`.
    public func check(_ root: XMLElementNode, context: RuleContext) -> [Finding] {
        let latestAllowed = context.latestAllowedDay
        return root.elements { element in
            guard Self.pastDateElements.contains(element.name), let day = DutchCalendar.datePart(element.text) else { return false }
            return day > latestAllowed || (element.name.hasSuffix("Tijdstip") && Self.isFutureMoment(element.text, context))
        }.map {
            Finding(code: code, message: "date is in the future", line: $0.line, path: $0.path)
        }
    }

    private static func isFutureMoment(_ text: String, _ context: RuleContext) -> Bool {
        guard let moment = RFC3339.parse(text) else { return false }
        return moment > context.now.addingTimeInterval(allowedSkew)
    }
}

/// KP-R007: a measure does not end before it starts.
public struct MeasureEndNotBeforeStart: DomainRule {
    /// Creates the rule.
    public init() {}
    /// Stable code.
    public let code = "KP-R007"
    /// Rule description.
    public let summary = "A protection measure's end date (Einddatum) is not before its start date (Begindatum)."

    /// Checks every `Maatregel`.
    public func check(_ root: XMLElementNode, context: RuleContext) -> [Finding] {
        root.elements(named: "Maatregel").compactMap { measure in
            guard let start = measure.child("Begindatum").flatMap({ DutchCalendar.datePart($0.text) }),
                  let endElement = measure.child("Einddatum"),
                  let end = DutchCalendar.datePart(endElement.text), end < start else { return nil }
            return Finding(code: code, message: "measure ends before it starts", line: endElement.line, path: endElement.path)
        }
    }
}

/// KP-R008: the header's Berichtsoort names the kind of the root element.
public struct HeaderKindMatchesRoot: DomainRule {
    /// Creates the rule.
    public init() {}
    /// Stable code.
    public let code = "KP-R008"
    /// Rule description.
    public let summary = "The header's Berichtsoort is the kind of the root element."

    /// Compares `Berichtkop/Berichtsoort` with the root's name.
    public func check(_ root: XMLElementNode, context: RuleContext) -> [Finding] {
        guard let kind = root.descendant(["Berichtkop", "Berichtsoort"]), kind.text != root.name else { return [] }
        return [Finding(code: code, message: "Berichtsoort in the header does not match the root element", line: kind.line, path: kind.path)]
    }
}
