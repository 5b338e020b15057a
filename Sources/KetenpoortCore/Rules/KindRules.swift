import KetenpoortXML

/// The people in a zorgmelding who are under 18 on the incident date.
enum Minors {
    /// Persons (`Betrokkenen/Persoon`) under 18 on the incident date, in document order.
    static func of(_ root: XMLElementNode) -> [XMLElementNode] {
        guard let incidentDay = root.descendant(["Incident", "Datum"]).flatMap({ DutchCalendar.datePart($0.text) }) else {
            return []
        }
        return (root.child("Betrokkenen")?.children("Persoon") ?? []).filter { person in
            guard let birth = person.child("Geboortedatum").flatMap({ DutchCalendar.datePart($0.text) }) else { return false }
            return DutchCalendar.isMinor(born: birth, on: incidentDay)
        }
    }
}

/// KP-R003: a zorgmelding in which someone is under 18 says that minors are involved.
public struct MinorsMustBeReported: DomainRule {
    /// Creates the rule.
    public init() {}
    /// Stable code.
    public let code = "KP-R003"
    /// Rule description.
    public let summary = "A zorgmelding in which a person is under 18 on the incident date has MinderjarigenBetrokken = true."

    /// Checks `MinderjarigenBetrokken` against the persons' ages.
    public func check(_ root: XMLElementNode, context: RuleContext) -> [Finding] {
        guard let flag = root.child("MinderjarigenBetrokken"), !Self.isTrue(flag.text), let minor = Minors.of(root).first else {
            return []
        }
        return [Finding(code: code, message: "a person is under 18 on the incident date but MinderjarigenBetrokken is false",
                        line: minor.line, path: minor.path)]
    }

    static func isTrue(_ text: String) -> Bool { text == "true" || text == "1" }
}

/// KP-R004: a zorgmelding that says minors are involved names at least one.
public struct ReportedMinorsMustBeNamed: DomainRule {
    /// Creates the rule.
    public init() {}
    /// Stable code.
    public let code = "KP-R004"
    /// Rule description.
    public let summary = "A zorgmelding with MinderjarigenBetrokken = true names at least one person under 18 on the incident date."

    /// Checks that a minor is among the persons when the flag is set.
    public func check(_ root: XMLElementNode, context: RuleContext) -> [Finding] {
        guard let flag = root.child("MinderjarigenBetrokken"), MinorsMustBeReported.isTrue(flag.text), Minors.of(root).isEmpty else {
            return []
        }
        return [Finding(code: code, message: "MinderjarigenBetrokken is true but no person is under 18 on the incident date",
                        line: flag.line, path: flag.path)]
    }
}

/// KP-R005: a victim referral against the victim's wish is refused.
public struct VictimObjectionRefused: DomainRule {
    /// Creates the rule.
    public init() {}
    /// Stable code.
    public let code = "KP-R005"
    /// Rule description.
    public let summary = "A victim referral that records the victim's objection (WensSlachtoffer = bezwaar) is refused."

    /// Checks `WensSlachtoffer`.
    public func check(_ root: XMLElementNode, context: RuleContext) -> [Finding] {
        guard let wish = root.child("WensSlachtoffer"), wish.text == "bezwaar" else { return [] }
        return [Finding(code: code, message: "the victim objects to the referral; it is not forwarded", line: wish.line, path: wish.path)]
    }
}

/// KP-R010: a receipt gives a refusal reason exactly when it refuses.
public struct RefusalReasonMatchesStatus: DomainRule {
    /// Creates the rule.
    public init() {}
    /// Stable code.
    public let code = "KP-R010"
    /// Rule description.
    public let summary = "A receipt has a Weigeringsreden if and only if its Status is geweigerd."

    /// Compares `Status` and `Weigeringsreden`.
    public func check(_ root: XMLElementNode, context: RuleContext) -> [Finding] {
        guard let status = root.child("Status") else { return [] }
        let refused = status.text == "geweigerd"
        let reason = root.child("Weigeringsreden")
        if refused && reason == nil {
            return [Finding(code: code, message: "a refusal must give a Weigeringsreden", line: status.line, path: status.path)]
        }
        if !refused, let reason {
            return [Finding(code: code, message: "a Weigeringsreden is only allowed when Status is geweigerd",
                            line: reason.line, path: reason.path)]
        }
        return []
    }
}
