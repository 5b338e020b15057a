import Foundation
import KetenpoortXML

/// The kinds the gateway knows, each with its compiled schema; shared by all tasks.
public struct MessageKindRegistry: Sendable {
    private let entries: [Entry]

    private struct Entry: Sendable {
        let kind: MessageKind
        let schema: XMLSchema
    }

    /// Loads every kind's schema from the directory once.
    public init(kinds: [MessageKind] = Version1Kinds.all, schemaDirectory: URL) throws {
        entries = try kinds.map { kind in
            Entry(kind: kind, schema: try XMLSchema(contentsOf: schemaDirectory.appendingPathComponent(kind.schemaFile)))
        }
    }

    /// All registered kinds.
    public var kinds: [MessageKind] { entries.map(\.kind) }

    /// The kind whose root element and namespace match, or nil.
    public func kind(forRoot root: XMLElementNode) -> MessageKind? {
        entries.first { $0.kind.rootElement == root.name && $0.kind.namespace == root.namespace }?.kind
    }

    /// The kind with this header name, or nil.
    public func kind(named name: String) -> MessageKind? {
        entries.first { $0.kind.name == name }?.kind
    }

    /// The compiled schema of a kind.
    public func schema(for kind: MessageKind) -> XMLSchema? {
        entries.first { $0.kind.name == kind.name }?.schema
    }
}
