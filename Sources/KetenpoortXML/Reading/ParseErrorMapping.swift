internal import CXMLSec

/// Turns libxml2 parser error codes into findings whose text never quotes the input.
enum ParseErrorMapping {
    /// The finding for a libxml2 parse error.
    static func rejection(code: Int, line: Int, column: Int) -> Rejection {
        let (findingCode, message) = describe(code)
        return Rejection(code: findingCode, message: message,
                         line: line > 0 ? line : nil, column: column > 0 ? column : nil)
    }

    private static func describe(_ code: Int) -> (String, String) {
        switch xmlParserErrors(rawValue: UInt32(code)) {
        case XML_ERR_DOCUMENT_END:
            return (ReadingCode.trailingContent, "content after the end of the root element (a second root element or trailing data)")
        case XML_ERR_DOCUMENT_EMPTY:
            return (ReadingCode.truncated, "document is empty")
        case XML_ERR_INVALID_CHAR, XML_ERR_INVALID_ENCODING, XML_ERR_UNKNOWN_ENCODING, XML_ERR_UNSUPPORTED_ENCODING,
             XML_ERR_INVALID_CHARREF:
            return (ReadingCode.encoding, "bytes are not valid UTF-8 or contain a character XML does not allow")
        case XML_ERR_TAG_NOT_FINISHED, XML_ERR_LT_REQUIRED, XML_ERR_GT_REQUIRED, XML_ERR_LTSLASH_REQUIRED,
             XML_ERR_NAME_REQUIRED:
            return (ReadingCode.truncated, "document ends before its root element is closed (truncated?)")
        case XML_ERR_INTERNAL_ERROR:
            return (ReadingCode.tooDeep, "document exceeds the parser's nesting or size limits")
        case XML_ERR_TAG_NAME_MISMATCH:
            return (ReadingCode.malformed, "an end tag does not match its start tag")
        case XML_ERR_UNDECLARED_ENTITY, XML_WAR_UNDECLARED_ENTITY, XML_ERR_ENTITY_LOOP, XML_ERR_ENTITY_NOT_FINISHED:
            return (ReadingCode.doctype, "entity references are not allowed")
        case XML_NS_ERR_UNDEFINED_NAMESPACE, XML_NS_ERR_EMPTY, XML_NS_ERR_QNAME, XML_NS_ERR_COLON:
            return (ReadingCode.undeclaredPrefix, "a namespace prefix is used without a declaration, or a prefixed declaration is empty")
        case XML_NS_ERR_XML_NAMESPACE, XML_NS_ERR_ATTRIBUTE_REDEFINED:
            return (ReadingCode.undeclaredPrefix, "namespace declarations or namespaced attributes conflict")
        case XML_ERR_UNKNOWN_VERSION, XML_WAR_UNKNOWN_VERSION:
            return (ReadingCode.version, "the XML declaration must say version=\"1.0\"")
        case XML_ERR_COMMENT_NOT_FINISHED:
            return (ReadingCode.comment, "comments are not allowed")
        case XML_ERR_PI_NOT_STARTED, XML_ERR_PI_NOT_FINISHED, XML_ERR_RESERVED_XML_NAME:
            return (ReadingCode.processingInstruction, "processing instructions are not allowed")
        default:
            return (ReadingCode.malformed, "document is not well-formed XML (libxml2 error \(code))")
        }
    }
}
