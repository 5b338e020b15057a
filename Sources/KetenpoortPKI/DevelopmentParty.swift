/// The role an organisation plays in the chain.
public enum PartyRole: String, Sendable, Codable, CaseIterable {
    /// The gateway itself.
    case gateway
    /// A police unit (sender).
    case police
    /// Slachtofferhulp Nederland (victim support).
    case victimSupport = "victim-support"
    /// Openbaar Ministerie (prosecution).
    case prosecution
    /// A Veilig Thuis region.
    case veiligThuis = "veilig-thuis"
}

/// One organisation in the development PKI, with its invented OIN.
public struct DevelopmentParty: Sendable, Codable, Equatable {
    /// Short name used in file names, e.g. `vt-haaglanden`.
    public var name: String
    /// The organisation name (`O`), e.g. `Veilig Thuis Haaglanden`.
    public var organisation: String
    /// The invented 20-digit OIN (`000000990000000…`); never a real organisation's number.
    public var oin: String
    /// The role in the chain.
    public var role: PartyRole

    /// Creates a party description.
    public init(name: String, organisation: String, oin: String, role: PartyRole) {
        self.name = name
        self.organisation = organisation
        self.oin = oin
        self.role = role
    }

    /// The gateway (Ketenpoort) itself.
    public static let gateway = DevelopmentParty(
        name: "gateway", organisation: "Ketenpoort", oin: "00000099000000000900", role: .gateway)

    /// Every party of the development PKI: the gateway, four police units, SHN, OM and four Veilig Thuis regions.
    public static let all: [DevelopmentParty] = [
        gateway,
        DevelopmentParty(
            name: "politie-rotterdam", organisation: "Politie Eenheid Rotterdam",
            oin: "00000099000000000001", role: .police),
        DevelopmentParty(
            name: "politie-amsterdam", organisation: "Politie Eenheid Amsterdam",
            oin: "00000099000000000002", role: .police),
        DevelopmentParty(
            name: "politie-den-haag", organisation: "Politie Eenheid Den Haag",
            oin: "00000099000000000003", role: .police),
        DevelopmentParty(
            name: "politie-midden-nederland", organisation: "Politie Eenheid Midden-Nederland",
            oin: "00000099000000000004", role: .police),
        DevelopmentParty(
            name: "shn", organisation: "Slachtofferhulp Nederland", oin: "00000099000000000101", role: .victimSupport),
        DevelopmentParty(
            name: "om", organisation: "Openbaar Ministerie", oin: "00000099000000000102", role: .prosecution),
        DevelopmentParty(
            name: "vt-amsterdam-amstelland", organisation: "Veilig Thuis Amsterdam-Amstelland",
            oin: "00000099000000000210", role: .veiligThuis),
        DevelopmentParty(
            name: "vt-rotterdam-rijnmond", organisation: "Veilig Thuis Rotterdam Rijnmond",
            oin: "00000099000000000211", role: .veiligThuis),
        DevelopmentParty(
            name: "vt-haaglanden", organisation: "Veilig Thuis Haaglanden", oin: "00000099000000000212",
            role: .veiligThuis),
        DevelopmentParty(
            name: "vt-utrecht", organisation: "Veilig Thuis Utrecht", oin: "00000099000000000213", role: .veiligThuis),
    ]

    /// The OU every development certificate carries.
    public static let developmentUnit = "DEVELOPMENT ONLY - not for production"

    /// The subject for this party's TLS (`purpose` = "TLS") or signing certificate.
    public func subject(purpose: String) -> SubjectName {
        SubjectName(
            organization: organisation,
            organizationalUnit: DevelopmentParty.developmentUnit,
            commonName: "DEVELOPMENT ONLY – \(organisation) \(purpose)",
            oin: oin
        )
    }
}
