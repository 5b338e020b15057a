import KetenpoortXML

/// One kind of message the gateway understands: where its contract is, which rules apply, where it goes.
/// Adding a kind means adding its XSD and one value of this type to `MessageKindRegistry.version1`.
public struct MessageKind: Sendable {
    /// Name as used in the header's `Berichtsoort`, e.g. `Zorgmelding`.
    public let name: String
    /// Target namespace of the kind's schema, e.g. `urn:nl:ketenpoort:zorgmelding:v1`.
    public let namespace: String
    /// Local name of the root element.
    public let rootElement: String
    /// File name of the schema in the schema directory.
    public let schemaFile: String
    /// Domain rules beyond the schema, applied in order.
    public let rules: [any DomainRule]
    /// Where a message of this kind goes; nil for kinds that are never accepted at intake (receipts).
    public let routing: (any RoutingPolicy)?
    /// Days a payload of this kind is kept after its deliveries are final.
    public let retentionDays: Int

    /// Creates a message kind.
    public init(name: String, namespace: String, rootElement: String, schemaFile: String,
                rules: [any DomainRule], routing: (any RoutingPolicy)?, retentionDays: Int) {
        self.name = name
        self.namespace = namespace
        self.rootElement = rootElement
        self.schemaFile = schemaFile
        self.rules = rules
        self.routing = routing
        self.retentionDays = retentionDays
    }
}
