import Foundation
internal import CXMLSecShim

/// The linear pass over the raw bytes that runs before libxml2 builds a tree (see `kp_prescan`).
enum PreScan {
    /// Throws the first limit or contract rule the bytes break that the pass can see; returns when none.
    static func check(_ bytes: Data, limits: ReadLimits) throws(Rejection) {
        let clamp = { (value: Int) in Int32(clamping: max(0, value)) }
        let cLimits = kp_prescan_limits(max_attributes: clamp(limits.maxAttributesPerElement),
                                        max_start_tag_bytes: clamp(limits.maxStartTagBytes),
                                        max_depth: clamp(limits.maxDepth), max_nodes: clamp(limits.maxNodes))
        let result = bytes.withUnsafeBytes { raw -> kp_prescan_result in
            kp_prescan(raw.baseAddress?.assumingMemoryBound(to: CChar.self), Int32(clamping: raw.count), cLimits)
        }
        guard let (code, message) = describe(result.verdict, limits: limits) else { return }
        throw Rejection(code: code, message: message, line: result.line > 0 ? Int(result.line) : nil)
    }

    /// The finding code and message of a verdict, or nil for none.
    private static func describe(_ verdict: kp_prescan_verdict, limits: ReadLimits) -> (String, String)? {
        switch verdict {
        case KP_PRESCAN_TOO_MANY_ATTRIBUTES:
            return (ReadingCode.tooManyAttributes,
                    "an element has more than the limit of \(limits.maxAttributesPerElement) attributes (namespace declarations included)")
        case KP_PRESCAN_START_TAG_TOO_LONG:
            return (ReadingCode.startTagTooLong, "a tag is longer than the limit of \(limits.maxStartTagBytes) bytes")
        case KP_PRESCAN_TOO_DEEP:
            return (ReadingCode.tooDeep, "elements are nested deeper than the limit of \(limits.maxDepth)")
        case KP_PRESCAN_TOO_MANY_NODES:
            return (ReadingCode.tooManyNodes, "document has more than the limit of \(limits.maxNodes) nodes")
        case KP_PRESCAN_COMMENT:
            return (ReadingCode.comment, "comments are not allowed (they would be forwarded and signed)")
        case KP_PRESCAN_PROCESSING_INSTRUCTION:
            return (ReadingCode.processingInstruction,
                    "processing instructions (such as xml-stylesheet) are not allowed; only the XML declaration may start the document")
        case KP_PRESCAN_DOCTYPE:
            return (ReadingCode.doctype, "a DOCTYPE is not allowed (DTDs and entities are never processed)")
        case KP_PRESCAN_ENCODING:
            return (ReadingCode.encoding, "encoding must be UTF-8: the document declares another encoding or contains a NUL byte")
        case KP_PRESCAN_VERSION:
            return (ReadingCode.version, "the XML declaration must say version=\"1.0\"")
        case KP_PRESCAN_NOT_MARKUP:
            return (ReadingCode.malformed, "the document does not start with XML markup (UTF-8 without another byte order expected)")
        default:
            return nil
        }
    }
}
