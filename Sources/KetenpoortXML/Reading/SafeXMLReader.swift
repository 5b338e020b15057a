import Foundation
internal import CXMLSec
internal import CXMLSecShim

/// Reads untrusted bytes into a document: no DOCTYPE, no entities, no network, within limits.
///
/// Every path that reads XML from outside (intake, the partner endpoint, receipts at the courier) reads
/// through this type, so every limit holds before libxml2 does expensive work.
public struct SafeXMLReader: Sendable {
    /// The limits applied to every document read.
    public let limits: ReadLimits

    /// The XML Schema instance namespace: its attributes (schemaLocation, type, nil) are never accepted.
    static let schemaInstanceNamespace = "http://www.w3.org/2001/XMLSchema-instance"

    /// Creates a reader with the given limits.
    public init(limits: ReadLimits = .standard) {
        self.limits = limits
    }

    /// Parses the bytes, or throws a rejection that says what is wrong and where (never what the content was).
    public func read(_ bytes: Data) throws -> XMLDocument {
        try XMLLibrary.ensureReady()
        guard bytes.count <= limits.maxBytes else {
            throw Rejection(code: ReadingCode.tooLarge,
                            message: "document is \(bytes.count) bytes, more than the limit of \(limits.maxBytes) bytes")
        }
        guard !bytes.isEmpty, bytes.count <= Int(Int32.max) else {
            throw Rejection(code: ReadingCode.truncated, message: "document is empty")
        }
        try PreScan.check(bytes, limits: limits)
        let result = bytes.withUnsafeBytes { raw -> kp_parse_result in
            let base = raw.baseAddress?.assumingMemoryBound(to: CChar.self)
            return kp_parse(base, Int32(raw.count))
        }
        if result.doctype_seen != 0 {
            throw Rejection(code: ReadingCode.doctype,
                            message: "a DOCTYPE is not allowed (DTDs and entities are never processed)",
                            line: Int(result.error_line) > 0 ? Int(result.error_line) : nil)
        }
        guard let pointer = result.doc else {
            throw ParseErrorMapping.rejection(code: Int(result.error_code),
                                              line: Int(result.error_line), column: Int(result.error_column))
        }
        let document = XMLDocument(pointer: pointer)
        try checkDeclaration(document)
        try checkShape(document)
        return document
    }

    /// Only UTF-8 and XML 1.0 are accepted, declared or not (the pre-scan checked the declaration's text already).
    private func checkDeclaration(_ document: XMLDocument) throws {
        if let declared = document.pointer.pointee.encoding {
            let name = String(cString: declared).uppercased()
            guard name == "UTF-8" || name == "UTF8" else {
                throw Rejection(code: ReadingCode.encoding,
                                message: "encoding must be UTF-8, the document declares another encoding", line: 1)
            }
        }
        if let version = document.pointer.pointee.version, xmlStrEqual(version, "1.0") == 0 {
            throw Rejection(code: ReadingCode.version, message: "the XML declaration must say version=\"1.0\"", line: 1)
        }
    }

    /// Walks the tree once to enforce the depth and node limits and the namespace rules.
    private func checkShape(_ document: XMLDocument) throws {
        guard let root = xmlDocGetRootElement(document.pointer) else {
            throw Rejection(code: ReadingCode.truncated, message: "document has no root element")
        }
        var nodes = 0
        var stack: [(xmlNodePtr, Int)] = [(root, 1)]
        while let (node, depth) = stack.popLast() {
            nodes += 1
            if depth > limits.maxDepth {
                throw Rejection(code: ReadingCode.tooDeep,
                                message: "elements are nested deeper than the limit of \(limits.maxDepth)",
                                line: Int(xmlGetLineNo(node)))
            }
            try checkNamespaceDeclarations(of: node)
            var attribute = node.pointee.properties
            while let current = attribute {
                nodes += 1
                if let namespace = current.pointee.ns, let href = namespace.pointee.href,
                   xmlStrEqual(href, Self.schemaInstanceNamespace) != 0 {
                    throw Rejection(code: ReadingCode.schemaInstanceAttribute,
                                    message: "attributes of the XML Schema instance namespace (xsi:schemaLocation, xsi:type, …) are not allowed",
                                    line: Int(xmlGetLineNo(node)))
                }
                attribute = current.pointee.next
            }
            if nodes > limits.maxNodes {
                throw Rejection(code: ReadingCode.tooManyNodes,
                                message: "document has more than the limit of \(limits.maxNodes) nodes",
                                line: Int(xmlGetLineNo(node)))
            }
            var child = node.pointee.children
            while let current = child {
                if current.pointee.type == XML_ELEMENT_NODE {
                    stack.append((current, depth + 1))
                } else {
                    nodes += 1
                }
                child = current.pointee.next
            }
        }
    }

    /// Every namespace an element declares is an absolute URI (exclusive C14N refuses relative ones);
    /// only the default namespace may be undeclared with `xmlns=""`.
    private func checkNamespaceDeclarations(of node: xmlNodePtr) throws {
        var declaration = node.pointee.nsDef
        while let current = declaration {
            let href = current.pointee.href
            let undeclaresDefault = current.pointee.prefix == nil && (href == nil || href?.pointee == 0)
            if !undeclaresDefault && kp_namespace_uri_is_absolute(href) == 0 {
                throw Rejection(code: ReadingCode.relativeNamespace,
                                message: "a namespace URI must be absolute (with a scheme such as urn: or http:)",
                                line: Int(xmlGetLineNo(node)))
            }
            declaration = current.pointee.next
        }
    }
}
