import KetenpoortXML

/// Decides which partners receive a message of one kind.
public protocol RoutingPolicy: Sendable {
    /// Partner ids (e.g. `shn`, `vt-rotterdam-rijnmond`) for a valid message, or a finding when none applies.
    func recipients(for root: XMLElementNode, table: MunicipalityRegions) throws(Rejection) -> [String]
}

/// Every message of the kind goes to one partner.
public struct FixedRouting: RoutingPolicy {
    /// The partner id.
    public let partner: String

    /// Creates a fixed route to one partner.
    public init(partner: String) {
        self.partner = partner
    }

    /// Always the one partner.
    public func recipients(for root: XMLElementNode, table: MunicipalityRegions) throws(Rejection) -> [String] {
        [partner]
    }
}

/// Zorgmelding → the Veilig Thuis region of the municipality where the first minor lives,
/// else where the (first) victim lives, else where the incident happened.
public struct ZorgmeldingRouting: RoutingPolicy {
    /// Code of the finding when no region can be found.
    public static let code = "KP-R009"

    /// Creates the routing policy.
    public init() {}

    /// The one responsible region.
    public func recipients(for root: XMLElementNode, table: MunicipalityRegions) throws(Rejection) -> [String] {
        let persons = root.child("Betrokkenen")?.children("Persoon") ?? []
        let victims = persons.filter { $0.child("Rol")?.text == "slachtoffer" }
        let candidates = (Minors.of(root) + victims).compactMap { $0.descendant(["Woonadres", "Gemeentecode"]) }
            + [root.descendant(["Incident", "Gemeentecode"])].compactMap { $0 }
        for element in candidates {
            if let region = table.region(forMunicipality: element.text) {
                return [region]
            }
        }
        throw Rejection(code: Self.code, message: "no Veilig Thuis region is responsible for the municipalities in this message",
                        path: "/Zorgmelding/Incident/Gemeentecode")
    }
}
