import Foundation
internal import CXMLSec

/// Checks a signed document's shape against the agreed profile before any cryptography runs:
/// the defence against signature wrapping.
enum SignatureProfile {
    /// The one signature of a document that passed the profile check.
    struct CheckedSignature {
        /// The `ds:Signature` element, the last child element of the root.
        let node: xmlNodePtr
        /// The DER certificates of its X509Data, in document order.
        let certificates: [[UInt8]]
    }

    /// Throws the first way in which the document's signature deviates from the profile, or returns
    /// the signature element and the DER certificates of its X509Data.
    ///
    /// Walks libxml2's tree once to count dsig elements, and copies only the signature into Swift values.
    static func check(document: XMLDocument) throws(SignatureFailure) -> CheckedSignature {
        guard let root = xmlDocGetRootElement(document.pointer) else { throw .missing }
        var dsigElements = 0
        var signatures = 0
        var lastChild: xmlNodePtr?
        var stack: [xmlNodePtr] = [root]
        while let node = stack.popLast() {
            if isDSig(node) {
                dsigElements += 1
                if let name = node.pointee.name, xmlStrEqual(name, "Signature") != 0 { signatures += 1 }
            }
            var child = node.pointee.children
            while let current = child {
                if current.pointee.type == XML_ELEMENT_NODE {
                    stack.append(current)
                    if node == root { lastChild = current }
                }
                child = current.pointee.next
            }
        }
        guard signatures > 0 else { throw .missing }
        guard signatures == 1 else { throw .multiple }
        let rootPath = "/" + String(cString: root.pointee.name)
        guard let lastChild, isDSig(lastChild), xmlStrEqual(lastChild.pointee.name, "Signature") != 0 else { throw .misplaced }
        let signature = XMLElementNode(copying: lastChild, path: rootPath)
        // No dsig element may live outside the one signature (no detached SignedInfo or Reference).
        guard signature.elements(where: { $0.namespace == DSig.namespace }).count == dsigElements else { throw .multiple }

        // What is signed, and how, is checked first: it is the most telling reason to refuse.
        guard let signedInfo = signature.children.first, signedInfo.name == "SignedInfo" else {
            throw .profile("ds:Signature must start with SignedInfo")
        }
        try checkSignedInfo(signedInfo)
        let parts = signature.children.map(\.name)
        guard parts == ["SignedInfo", "SignatureValue", "KeyInfo"],
              signature.children.allSatisfy({ $0.namespace == DSig.namespace }) else {
            throw .profile("ds:Signature must hold exactly SignedInfo, SignatureValue and KeyInfo")
        }
        let certificates = try certificates(in: signature.children[2])
        // Then what the checks above did not look at: foreign elements, attributes, comments, mixed values.
        try SignatureContent.check(lastChild)
        return CheckedSignature(node: lastChild, certificates: certificates)
    }

    private static func isDSig(_ node: xmlNodePtr) -> Bool {
        guard let namespace = node.pointee.ns, let href = namespace.pointee.href else { return false }
        return xmlStrEqual(href, DSig.namespace) != 0
    }

    private static func checkSignedInfo(_ signedInfo: XMLElementNode) throws(SignatureFailure) {
        let names = signedInfo.children.map(\.name)
        guard names == ["CanonicalizationMethod", "SignatureMethod", "Reference"] else {
            throw .profile("SignedInfo must hold CanonicalizationMethod, SignatureMethod and exactly one Reference")
        }
        let c14n = signedInfo.children[0].attributes["Algorithm"] ?? ""
        guard c14n == DSig.exclusiveC14N, signedInfo.children[0].children.isEmpty else {
            throw .profile("CanonicalizationMethod must be exclusive C14N without parameters")
        }
        let method = signedInfo.children[1].attributes["Algorithm"] ?? ""
        guard DSig.signatureMethods.contains(method), signedInfo.children[1].children.isEmpty else {
            throw .weakAlgorithm(method)
        }
        try checkReference(signedInfo.children[2])
    }

    private static func checkReference(_ reference: XMLElementNode) throws(SignatureFailure) {
        guard reference.attributes["URI"] == "" else {
            throw .profile("the Reference must have URI=\"\" (the whole document)")
        }
        guard reference.attributes.keys.allSatisfy({ $0 == "URI" }) else {
            throw .profile("the Reference may carry no Id or Type")
        }
        guard reference.children.map(\.name) == ["Transforms", "DigestMethod", "DigestValue"] else {
            throw .profile("the Reference must hold Transforms, DigestMethod and DigestValue")
        }
        let transforms = reference.children[0].children
        let algorithms = transforms.map { $0.attributes["Algorithm"] ?? "" }
        guard transforms.allSatisfy({ $0.name == "Transform" && $0.children.isEmpty }),
              algorithms == [DSig.enveloped, DSig.exclusiveC14N] else {
            throw .profile("the only transforms allowed are enveloped-signature followed by exclusive C14N")
        }
        let digest = reference.children[1].attributes["Algorithm"] ?? ""
        guard DSig.digests.contains(digest) else { throw .weakAlgorithm(digest) }
    }

    private static func certificates(in keyInfo: XMLElementNode) throws(SignatureFailure) -> [[UInt8]] {
        guard keyInfo.children.count == 1, let data = keyInfo.children.first, data.name == "X509Data",
              !data.children.isEmpty, data.children.count <= maxCertificates,
              data.children.allSatisfy({ $0.name == "X509Certificate" }) else {
            throw .profile("KeyInfo must hold exactly one X509Data with the signing certificate")
        }
        var certificates: [[UInt8]] = []
        for element in data.children {
            // Base64 with line breaks allowed, as xmlsec writes it; nothing else.
            let base64 = String(decoding: element.text.utf8.filter { !Self.xmlWhitespace.contains($0) }, as: UTF8.self)
            guard let der = Data(base64Encoded: base64), !der.isEmpty else {
                throw .profile("an X509Certificate is not a base64 certificate")
            }
            certificates.append([UInt8](der))
        }
        return certificates
    }

    /// The most certificates an X509Data may carry (the signing certificate and its intermediates).
    static let maxCertificates = 8

    private static let xmlWhitespace: Set<UInt8> = [0x20, 0x09, 0x0A, 0x0D]
}
