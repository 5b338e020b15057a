import Foundation
internal import CXMLSec
internal import CXMLSecShim

/// A parsed XML document owned by one task at a time; freed when the last reference goes.
public final class XMLDocument {
    let pointer: xmlDocPtr

    init(pointer: xmlDocPtr) {
        self.pointer = pointer
    }

    deinit {
        xmlFreeDoc(pointer)
    }

    /// The root element as a Swift value tree (names, namespaces, text, attributes, lines).
    public func rootElement() -> XMLElementNode? {
        guard let root = xmlDocGetRootElement(pointer) else { return nil }
        return XMLElementNode(copying: root, path: "")
    }

    /// The root element without XMLDSig elements (the enveloped signature): what domain rules and routing read.
    public func contentRoot() -> XMLElementNode? {
        guard let root = xmlDocGetRootElement(pointer) else { return nil }
        return XMLElementNode(copying: root, path: "", excludingNamespace: DSig.namespace)
    }

    /// True when any element of the document is in the XMLDSig namespace (a signature or a part of one).
    public var containsSignatureElements: Bool {
        guard let root = xmlDocGetRootElement(pointer) else { return false }
        var stack: [xmlNodePtr] = [root]
        while let node = stack.popLast() {
            if let namespace = node.pointee.ns, let href = namespace.pointee.href, xmlStrEqual(href, DSig.namespace) != 0 {
                return true
            }
            var child = node.pointee.children
            while let current = child {
                if current.pointee.type == XML_ELEMENT_NODE { stack.append(current) }
                child = current.pointee.next
            }
        }
        return false
    }

    /// The document serialised as UTF-8 bytes, with an XML declaration.
    public func serialized() throws(XMLDocumentError) -> Data {
        var bytes: UnsafeMutablePointer<UInt8>?
        var length: Int32 = 0
        guard kp_serialize(pointer, &bytes, &length) == 0, let bytes else {
            throw .serialisationFailed
        }
        defer { kp_free(bytes) }
        return Data(bytes: bytes, count: Int(length))
    }

    /// The exclusive canonical form (C14N 1.0, no comments) of the whole document.
    public func exclusiveCanonicalForm() throws(XMLDocumentError) -> Data {
        var bytes: UnsafeMutablePointer<UInt8>?
        var length: Int32 = 0
        guard kp_c14n_exclusive(pointer, &bytes, &length) == 0, let bytes else {
            throw .canonicalisationFailed
        }
        defer { kp_free(bytes) }
        return Data(bytes: bytes, count: Int(length))
    }
}

/// A document could not be written out.
public enum XMLDocumentError: Error, Sendable {
    /// Serialising to bytes failed (out of memory).
    case serialisationFailed
    /// Canonicalisation failed (out of memory).
    case canonicalisationFailed
}
