internal import CXMLSec

/// The unsigned parts of a `ds:Signature`, locked down node by node: only XMLDSig elements of the profile,
/// only their agreed attributes (without a namespace), values as plain text, and nothing else
/// (no comments, processing instructions or foreign elements that a tool might read differently).
enum SignatureContent {
    /// The attributes each element of the profile may carry.
    private static let allowedAttributes: [String: Set<String>] = [
        "Signature": [], "SignedInfo": [], "CanonicalizationMethod": ["Algorithm"], "SignatureMethod": ["Algorithm"],
        "Reference": ["URI"], "Transforms": [], "Transform": ["Algorithm"], "DigestMethod": ["Algorithm"],
        "DigestValue": [], "SignatureValue": [], "KeyInfo": [], "X509Data": [], "X509Certificate": [],
    ]

    /// Elements whose content is a value (base64): text only.
    private static let valueElements: Set<String> = ["DigestValue", "SignatureValue", "X509Certificate"]

    /// Throws `.profile` for the first node of the signature's subtree that the profile does not allow.
    static func check(_ signature: xmlNodePtr) throws(SignatureFailure) {
        var stack: [xmlNodePtr] = [signature]
        while let element = stack.popLast() {
            guard let rawName = element.pointee.name, let namespace = element.pointee.ns, let href = namespace.pointee.href,
                  xmlStrEqual(href, DSig.namespace) != 0 else {
                throw .profile("every element inside ds:Signature must be in the XMLDSig namespace")
            }
            let name = String(cString: rawName)
            guard let allowed = allowedAttributes[name] else {
                throw .profile("ds:Signature holds an element the profile does not allow")
            }
            var attribute = element.pointee.properties
            while let current = attribute {
                guard current.pointee.ns == nil, let attributeName = current.pointee.name,
                      allowed.contains(String(cString: attributeName)) else {
                    throw .profile("an element of ds:Signature carries an attribute the profile does not allow")
                }
                attribute = current.pointee.next
            }
            let isValue = valueElements.contains(name)
            var child = element.pointee.children
            while let current = child {
                switch current.pointee.type {
                case XML_ELEMENT_NODE where !isValue:
                    stack.append(current)
                case XML_TEXT_NODE where isValue || isWhitespace(current.pointee.content):
                    break
                default:
                    throw .profile(isValue ? "DigestValue, SignatureValue and X509Certificate must hold text only"
                                           : "ds:Signature may hold only XMLDSig elements and whitespace between them")
                }
                child = current.pointee.next
            }
        }
    }

    private static func isWhitespace(_ content: UnsafeMutablePointer<xmlChar>?) -> Bool {
        guard var byte = content else { return true }
        while byte.pointee != 0 {
            guard byte.pointee == 0x20 || byte.pointee == 0x09 || byte.pointee == 0x0A || byte.pointee == 0x0D else { return false }
            byte += 1
        }
        return true
    }
}
