/// Checks a signed document's shape against the agreed profile before any cryptography runs:
/// the defence against signature wrapping.
enum SignatureProfile {
    /// Throws the first way in which the document's signature deviates from the profile.
    static func check(root: XMLElementNode) throws(SignatureFailure) {
        let dsigElements = root.allElements().filter { $0.namespace == DSig.namespace }
        let signatures = dsigElements.filter { $0.name == "Signature" }
        guard !signatures.isEmpty else { throw .missing }
        guard signatures.count == 1 else { throw .multiple }
        guard let signature = root.children.last, signature.name == "Signature", signature.namespace == DSig.namespace else {
            throw .misplaced
        }
        // No dsig element may live outside the one signature (no detached SignedInfo or Reference).
        let inside = Set(signature.allElements().map(\.path))
        guard dsigElements.allSatisfy({ inside.contains($0.path) }) else { throw .multiple }

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
        try checkKeyInfo(signature.children[2])
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

    private static func checkKeyInfo(_ keyInfo: XMLElementNode) throws(SignatureFailure) {
        guard keyInfo.children.count == 1, let data = keyInfo.children.first, data.name == "X509Data",
              !data.children.isEmpty, data.children.allSatisfy({ $0.name == "X509Certificate" }) else {
            throw .profile("KeyInfo must hold exactly one X509Data with the signing certificate")
        }
    }
}
