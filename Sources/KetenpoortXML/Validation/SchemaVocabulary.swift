import Foundation
internal import CXMLSec
internal import CXMLSecShim

/// The element and attribute names a schema declares (with its imports and includes): the only names from a
/// document that a finding may repeat, so that an attacker-chosen name is never echoed.
struct SchemaVocabulary: Sendable {
    /// Names of declared elements (local names).
    let elements: Set<String>
    /// Names of declared attributes (local names).
    let attributes: Set<String>

    private static let xsdNamespace = "http://www.w3.org/2001/XMLSchema"

    /// Collects the names from the schema file and every schema it imports or includes by a local path.
    init(schemaFile: URL) {
        var elements: Set<String> = []
        var attributes: Set<String> = []
        var pending = [schemaFile.standardizedFileURL]
        var visited: Set<URL> = []
        while let file = pending.popLast() {
            guard visited.insert(file).inserted, let bytes = try? Data(contentsOf: file), bytes.count < Int(Int32.max) else { continue }
            let parsed = bytes.withUnsafeBytes { raw in
                kp_parse(raw.baseAddress?.assumingMemoryBound(to: CChar.self), Int32(raw.count))
            }
            guard let document = parsed.doc else { continue }
            defer { xmlFreeDoc(document) }
            guard let root = xmlDocGetRootElement(document) else { continue }
            var stack: [xmlNodePtr] = [root]
            while let node = stack.popLast() {
                if let namespace = node.pointee.ns, let href = namespace.pointee.href, xmlStrEqual(href, Self.xsdNamespace) != 0,
                   let rawName = node.pointee.name {
                    switch String(cString: rawName) {
                    case "element": if let name = Self.attribute("name", of: node) { elements.insert(name) }
                    case "attribute": if let name = Self.attribute("name", of: node) { attributes.insert(name) }
                    case "import", "include":
                        if let location = Self.attribute("schemaLocation", of: node), !location.contains(":") {
                            pending.append(URL(fileURLWithPath: location, relativeTo: file.deletingLastPathComponent()).standardizedFileURL)
                        }
                    default: break
                    }
                }
                var child = node.pointee.children
                while let current = child {
                    if current.pointee.type == XML_ELEMENT_NODE { stack.append(current) }
                    child = current.pointee.next
                }
            }
        }
        self.elements = elements
        self.attributes = attributes
    }

    /// The value of an attribute without namespace, or nil.
    private static func attribute(_ name: String, of node: xmlNodePtr) -> String? {
        guard let value = xmlGetNoNsProp(node, name) else { return nil }
        defer { kp_free(value) }
        return String(cString: value)
    }
}
