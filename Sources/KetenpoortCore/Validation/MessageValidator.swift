import Foundation
import KetenpoortXML

/// Steps 1–3 and 5 of admission: read safely, validate against the kind's schema, apply its rules, route.
public struct MessageValidator: Sendable {
    /// The known kinds and their schemas.
    public let registry: MessageKindRegistry
    /// The municipality → region table.
    public let routingTable: MunicipalityRegions
    /// Reading limits.
    public let reader: SafeXMLReader

    /// Creates a validator.
    public init(registry: MessageKindRegistry, routingTable: MunicipalityRegions, limits: ReadLimits = .standard) {
        self.registry = registry
        self.routingTable = routingTable
        self.reader = SafeXMLReader(limits: limits)
    }

    /// Validates bytes; returns the parsed message or throws a rejection with every finding.
    public func validate(_ bytes: Data, now: Date = Date()) throws -> ValidatedMessage {
        let document = try reader.read(bytes)
        return try validate(document, now: now)
    }

    /// Validates an already parsed document. Rules and routing read the document without its signature.
    public func validate(_ document: XMLDocument, now: Date = Date()) throws -> ValidatedMessage {
        guard let root = document.contentRoot() else {
            throw Rejection(code: ReadingCode.truncated, message: "document has no root element")
        }
        guard let kind = registry.kind(forRoot: root), let schema = registry.schema(for: kind) else {
            // The root's name and namespace are the sender's choice: name what is expected instead.
            let known = registry.kinds.map(\.rootElement).joined(separator: ", ")
            throw Rejection(code: ReadingCode.unknownKind,
                            message: "the root element is not a known message kind (name or namespace); expected one of: \(known), each in its contract namespace",
                            line: root.line)
        }
        let schemaFindings = schema.validate(document)
        guard schemaFindings.isEmpty else { throw Rejection(schemaFindings) }
        let context = RuleContext(now: now, knownMunicipalities: routingTable.municipalities)
        let ruleFindings = kind.rules.flatMap { $0.check(root, context: context) }
        guard ruleFindings.isEmpty else {
            throw Rejection(ruleFindings.sorted { ($0.line ?? 0, $0.code) < ($1.line ?? 0, $1.code) })
        }
        guard let header = MessageHeader(root: root) else {
            throw Rejection(code: SchemaFindingMapping.headerMissing, message: "the Berichtkop header is missing")
        }
        let recipients = try kind.routing?.recipients(for: root, table: routingTable) ?? []
        return ValidatedMessage(document: document, root: root, kind: kind, header: header, recipients: recipients)
    }
}

/// A message that passed reading, schema and rules, with its route.
public struct ValidatedMessage {
    /// The parsed document (to be signed).
    public let document: XMLDocument
    /// The element tree.
    public let root: XMLElementNode
    /// Its kind.
    public let kind: MessageKind
    /// Its header.
    public let header: MessageHeader
    /// Partner ids it goes to (empty for kinds not routed, such as receipts).
    public let recipients: [String]
}

/// Codes for findings made after the schema passed.
enum SchemaFindingMapping {
    /// Header missing although the schema passed (a schema defect).
    static let headerMissing = "KP-S002"
}
