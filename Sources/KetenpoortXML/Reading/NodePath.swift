internal import CXMLSec

/// Element paths by local name, e.g. `/Zorgmelding/Betrokkenen/Persoon[2]/BSN`.
enum NodePath {
    /// The path of an element or attribute node (positions only where a name repeats among siblings); a name the
    /// vocabulary does not declare is written `*` (element) or `@*` (attribute), never as the document spells it.
    static func of(_ node: xmlNodePtr, vocabulary: SchemaVocabulary) -> String {
        var parts: [String] = []
        var current: xmlNodePtr? = node
        while let element = current, element.pointee.type == XML_ELEMENT_NODE || element.pointee.type == XML_ATTRIBUTE_NODE {
            guard let rawName = element.pointee.name else { break }
            let name = String(cString: rawName)
            if element.pointee.type == XML_ATTRIBUTE_NODE {
                parts.append("@" + (vocabulary.attributes.contains(name) ? name : "*"))
            } else {
                parts.append((vocabulary.elements.contains(name) ? name : "*") + position(of: element, named: rawName))
            }
            current = element.pointee.parent
        }
        return "/" + parts.reversed().joined(separator: "/")
    }

    private static func position(of node: xmlNodePtr, named name: UnsafePointer<xmlChar>) -> String {
        guard let parent = node.pointee.parent else { return "" }
        var index = 0
        var total = 0
        var sibling = parent.pointee.children
        while let current = sibling {
            if current.pointee.type == XML_ELEMENT_NODE, let other = current.pointee.name, xmlStrEqual(other, name) != 0 {
                total += 1
                if current == node { index = total }
            }
            sibling = current.pointee.next
        }
        return total > 1 ? "[\(index)]" : ""
    }
}
