/// The message kinds of contract version 1 (see docs/contract.md and docs/rules.md).
public enum Version1Kinds {
    /// Rules that apply to every kind: they look at element names shared by all schemas.
    static let commonRules: [any DomainRule] = [
        HeaderKindMatchesRoot(), BSNElfproef(), MunicipalityKnown(), NoFutureDates(), MeasureEndNotBeforeStart(),
    ]

    /// Concern report, police → Veilig Thuis.
    public static let zorgmelding = MessageKind(
        name: "Zorgmelding", namespace: "urn:nl:ketenpoort:zorgmelding:v1", rootElement: "Zorgmelding",
        schemaFile: "Zorgmelding.xsd",
        rules: commonRules + [MinorsMustBeReported(), ReportedMinorsMustBeNamed()],
        routing: ZorgmeldingRouting(), retentionDays: 90)

    /// Victim referral with the individual assessment, police → Slachtofferhulp Nederland.
    public static let slachtofferverwijzing = MessageKind(
        name: "Slachtofferverwijzing", namespace: "urn:nl:ketenpoort:slachtofferverwijzing:v1",
        rootElement: "Slachtofferverwijzing", schemaFile: "Slachtofferverwijzing.xsd",
        rules: commonRules + [VictimObjectionRefused()],
        routing: FixedRouting(partner: "shn"), retentionDays: 90)

    /// Signed receipt, partner → gateway; never accepted at intake, only as a delivery's answer.
    public static let ontvangstbevestiging = MessageKind(
        name: "Ontvangstbevestiging", namespace: "urn:nl:ketenpoort:ontvangstbevestiging:v1",
        rootElement: "Ontvangstbevestiging", schemaFile: "Ontvangstbevestiging.xsd",
        rules: commonRules + [RefusalReasonMatchesStatus()], routing: nil, retentionDays: 365)

    /// All kinds of version 1.
    public static let all: [MessageKind] = [zorgmelding, slachtofferverwijzing, ontvangstbevestiging]
}
