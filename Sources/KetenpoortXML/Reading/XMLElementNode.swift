import Foundation
internal import CXMLSec

/// An element copied out of a parsed document: what domain rules read.
public struct XMLElementNode: Sendable, Hashable {
    /// Local name, e.g. `Persoon`.
    public let name: String
    /// Namespace URI, or nil when the element has none.
    public let namespace: String?
    /// The element's own text (its direct text children, concatenated), trimmed of outer whitespace.
    public let text: String
    /// Attributes without a namespace by local name; a namespaced attribute by `{namespace URI}local name`,
    /// so that `x:URI` can never stand in for `URI`.
    public let attributes: [String: String]
    /// 1-based line of the start tag.
    public let line: Int
    /// Path with positions among equally named siblings, e.g. `/Zorgmelding/Betrokkenen/Persoon[2]`.
    public let path: String
    /// Child elements in document order.
    public let children: [XMLElementNode]

    /// The first child element with this local name.
    public func child(_ name: String) -> XMLElementNode? {
        children.first { $0.name == name }
    }

    /// All child elements with this local name.
    public func children(_ name: String) -> [XMLElementNode] {
        children.filter { $0.name == name }
    }

    /// Follows a path of local names through first children, e.g. `["Incident", "Datum"]`.
    public func descendant(_ names: [String]) -> XMLElementNode? {
        var current: XMLElementNode? = self
        for name in names { current = current?.child(name) }
        return current
    }

    /// Every element below (and including) this one, depth first, in document order.
    public func allElements() -> [XMLElementNode] {
        elements { _ in true }
    }

    /// Every element below (and including) this one with this local name, in document order.
    public func elements(named name: String) -> [XMLElementNode] {
        elements { $0.name == name }
    }

    /// The elements below (and including) this one that match, depth first, in document order; only matches are copied.
    public func elements(where matches: (XMLElementNode) -> Bool) -> [XMLElementNode] {
        var result: [XMLElementNode] = []
        var pending: [XMLElementNode] = [self]
        while let element = pending.popLast() {
            if matches(element) { result.append(element) }
            pending.append(contentsOf: element.children.reversed())
        }
        return result
    }

    /// The text without leading and trailing XML whitespace (space, tab, CR, LF); Foundation's trimming is far slower on Linux.
    static func trimmed(_ text: String) -> String {
        let bytes = text.utf8
        let isSpace: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }
        guard let first = bytes.firstIndex(where: { !isSpace($0) }), let last = bytes.lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        if first == bytes.startIndex && last == bytes.index(before: bytes.endIndex) { return text }
        return String(text[first...last])
    }

    /// Copies a libxml2 element and its subtree, leaving out every element (and its subtree) in `excludedNamespace`.
    init(copying node: xmlNodePtr, path parentPath: String, index: Int? = nil, excludingNamespace excludedNamespace: String? = nil) {
        var namespaces = NamespaceNames()
        self.init(copying: node, path: parentPath, index: index, namespaces: &namespaces, excluded: excludedNamespace)
    }

    private init(copying node: xmlNodePtr, path parentPath: String, index: Int?, namespaces: inout NamespaceNames,
                 excluded: String?) {
        let localName = String(cString: node.pointee.name)
        name = localName
        namespace = namespaces.name(of: node.pointee.ns)
        line = Int(xmlGetLineNo(node))
        path = parentPath + "/" + localName + (index.map { "[\($0)]" } ?? "")

        var text = ""
        var attributes: [String: String] = [:]
        var attribute = node.pointee.properties
        while let current = attribute {
            var value = ""
            var part = current.pointee.children
            while let text = part {
                if let content = text.pointee.content { value += String(cString: content) }
                part = text.pointee.next
            }
            let localName = String(cString: current.pointee.name)
            let key = namespaces.name(of: current.pointee.ns).map { "{\($0)}" + localName } ?? localName
            attributes[key] = value
            attribute = current.pointee.next
        }
        // Positions are only written where a name repeats among siblings.
        var counts: [String: Int] = [:]
        var elementChildren = 0
        func isCopied(_ element: xmlNodePtr) -> Bool {
            element.pointee.type == XML_ELEMENT_NODE && (excluded == nil || namespaces.name(of: element.pointee.ns) != excluded)
        }
        var child = node.pointee.children
        while let current = child {
            if isCopied(current) { elementChildren += 1 }
            child = current.pointee.next
        }
        if elementChildren > 1 {
            child = node.pointee.children
            while let current = child {
                if isCopied(current) {
                    counts[String(cString: current.pointee.name), default: 0] += 1
                }
                child = current.pointee.next
            }
        }
        var seen: [String: Int] = [:]
        var children: [XMLElementNode] = []
        children.reserveCapacity(elementChildren)
        child = node.pointee.children
        while let current = child {
            switch current.pointee.type {
            case XML_ELEMENT_NODE where isCopied(current):
                var position: Int?
                if elementChildren > 1 {
                    let childName = String(cString: current.pointee.name)
                    if (counts[childName] ?? 0) > 1 {
                        seen[childName, default: 0] += 1
                        position = seen[childName]
                    }
                }
                children.append(XMLElementNode(copying: current, path: path, index: position, namespaces: &namespaces,
                                               excluded: excluded))
            case XML_TEXT_NODE, XML_CDATA_SECTION_NODE:
                if let content = current.pointee.content { text += String(cString: content) }
            default:
                break
            }
            child = current.pointee.next
        }
        self.text = Self.trimmed(text)
        self.attributes = attributes
        self.children = children
    }
}

/// Namespace URIs read from libxml2, each made into a String once per copied tree.
private struct NamespaceNames {
    private var known: [(pointer: xmlNsPtr, name: String)] = []

    /// The URI of `namespace`, or nil for no namespace.
    mutating func name(of namespace: xmlNsPtr?) -> String? {
        guard let namespace, let href = namespace.pointee.href else { return nil }
        if let entry = known.first(where: { $0.pointer == namespace }) { return entry.name }
        let name = String(cString: href)
        known.append((namespace, name))
        return name
    }
}
