import Foundation
internal import CXMLSec

/// A compiled XSD 1.0 schema, parsed once and shared by any number of concurrent validations.
public final class XMLSchema: @unchecked Sendable {
    // A compiled xmlSchema is read-only after parsing; libxml2 allows concurrent validation
    // contexts over one schema, which is what makes this type Sendable.
    private let schema: xmlSchemaPtr
    /// The file the schema was loaded from.
    public let url: URL
    /// The names the schema declares: the only document names findings repeat.
    let vocabulary: SchemaVocabulary

    /// Loads and compiles a schema file (imports are resolved relative to it, never over the network).
    public init(contentsOf url: URL) throws {
        try XMLLibrary.ensureReady()
        guard FileManager.default.isReadableFile(atPath: url.path) else {
            throw XMLSchemaError.unreadable(path: url.path)
        }
        let vocabulary = SchemaVocabulary(schemaFile: url)
        guard let parserContext = xmlSchemaNewParserCtxt(url.path) else {
            throw XMLSchemaError.unreadable(path: url.path)
        }
        defer { xmlSchemaFreeParserCtxt(parserContext) }
        let collector = SchemaErrorCollector(vocabulary: vocabulary)
        let box = Unmanaged.passRetained(collector)
        defer { box.release() }
        xmlSchemaSetParserStructuredErrors(parserContext, schemaErrorCallback, box.toOpaque())
        guard let compiled = xmlSchemaParse(parserContext) else {
            let detail = collector.errors.first.map { "line \($0.line): \($0.message)" } ?? "unknown error"
            throw XMLSchemaError.invalid(path: url.path, detail: detail)
        }
        schema = compiled
        self.url = url
        self.vocabulary = vocabulary
    }

    deinit {
        xmlSchemaFree(schema)
    }

    /// Validates a document; returns findings (empty when valid) that never quote the document's values.
    public func validate(_ document: XMLDocument) -> [Finding] {
        guard let context = xmlSchemaNewValidCtxt(schema) else {
            return [Finding(code: SchemaFindingMapping.internalCode, message: "schema validation could not start (out of memory)")]
        }
        defer { xmlSchemaFreeValidCtxt(context) }
        let collector = SchemaErrorCollector(vocabulary: vocabulary)
        let box = Unmanaged.passRetained(collector)
        defer { box.release() }
        xmlSchemaSetValidStructuredErrors(context, schemaErrorCallback, box.toOpaque())
        let status = xmlSchemaValidateDoc(context, document.pointer)
        var findings = collector.errors.map { SchemaFindingMapping.finding($0, vocabulary: vocabulary) }
        if status != 0 && findings.isEmpty {
            findings.append(Finding(code: SchemaFindingMapping.internalCode, message: "document does not conform to its schema"))
        }
        return findings
    }
}

/// A schema file could not be used.
public enum XMLSchemaError: Error, Sendable, CustomStringConvertible {
    /// The file does not exist or cannot be read.
    case unreadable(path: String)
    /// The file is not a valid XSD 1.0 schema.
    case invalid(path: String, detail: String)

    /// Explanation for operators.
    public var description: String {
        switch self {
        case .unreadable(let path): return "schema \(path) cannot be read"
        case .invalid(let path, let detail): return "schema \(path) is not a valid XSD: \(detail)"
        }
    }
}

/// One libxml2 error, copied out of the callback.
struct RawSchemaError: Sendable {
    let code: Int
    let line: Int
    let message: String
    /// The element's name (attributes: `@name`) when the schema declares it, else nil.
    let elementName: String?
    /// True when the error is about an element or attribute whose name the schema does not declare.
    let nameUndeclared: Bool
    /// The node's path, undeclared names written as `*`.
    let path: String?
}

/// Collects libxml2 structured errors during one parse or validation (one thread at a time).
final class SchemaErrorCollector: @unchecked Sendable {
    var errors: [RawSchemaError] = []
    /// The schema's names, for deciding which document names may be repeated.
    let vocabulary: SchemaVocabulary

    init(vocabulary: SchemaVocabulary) {
        self.vocabulary = vocabulary
    }
}

/// The C callback: copies what is needed from libxml2's error into the collector.
private let schemaErrorCallback: xmlStructuredErrorFunc = { userData, error in
    guard let userData, let error else { return }
    let collector = Unmanaged<SchemaErrorCollector>.fromOpaque(userData).takeUnretainedValue()
    let err = error.pointee
    var elementName: String?
    var nameUndeclared = false
    var path: String?
    if let rawNode = err.node {
        let node = rawNode.assumingMemoryBound(to: xmlNode.self)
        let vocabulary = collector.vocabulary
        if node.pointee.type == XML_ELEMENT_NODE, let name = node.pointee.name {
            let text = String(cString: name)
            nameUndeclared = !vocabulary.elements.contains(text)
            elementName = nameUndeclared ? nil : text
        } else if node.pointee.type == XML_ATTRIBUTE_NODE, let name = node.pointee.name {
            let text = String(cString: name)
            nameUndeclared = !vocabulary.attributes.contains(text)
            elementName = nameUndeclared ? nil : "@" + text
        }
        path = NodePath.of(node, vocabulary: vocabulary)
    }
    let message = err.message.map { String(cString: $0) } ?? ""
    collector.errors.append(RawSchemaError(code: Int(err.code), line: Int(err.line), message: message,
                                           elementName: elementName, nameUndeclared: nameUndeclared, path: path))
}
