import Foundation
internal import CXMLSec

/// Maps libxml2 schema errors to findings; libxml2's own messages quote values, so they are never passed on.
enum SchemaFindingMapping {
    /// Code of every schema violation.
    static let schemaCode = "KP-S001"
    /// Code used when validation itself failed to run.
    static let internalCode = "KP-S000"

    /// The finding for one libxml2 validation error; names only what `vocabulary` declares.
    static func finding(_ error: RawSchemaError, vocabulary: SchemaVocabulary) -> Finding {
        let subject = error.elementName.map { "element '\($0)'" }
            ?? (error.nameUndeclared ? "an element or attribute the schema does not declare" : "the document")
        let message = "\(describe(error.code, message: error.message, vocabulary: vocabulary)) (\(subject), schema rule \(error.code))"
        return Finding(code: schemaCode, message: message, line: error.line > 0 ? error.line : nil, path: error.path)
    }

    private static func describe(_ code: Int, message: String, vocabulary: SchemaVocabulary) -> String {
        switch xmlParserErrors(rawValue: UInt32(code)) {
        case XML_SCHEMAV_CVC_ENUMERATION_VALID:
            return "value is not one of the allowed values"
        case XML_SCHEMAV_CVC_PATTERN_VALID:
            return "value does not have the required format"
        case XML_SCHEMAV_CVC_LENGTH_VALID, XML_SCHEMAV_CVC_MINLENGTH_VALID, XML_SCHEMAV_CVC_MAXLENGTH_VALID:
            return "value has a length outside the allowed range"
        case XML_SCHEMAV_CVC_MININCLUSIVE_VALID, XML_SCHEMAV_CVC_MAXINCLUSIVE_VALID,
             XML_SCHEMAV_CVC_MINEXCLUSIVE_VALID, XML_SCHEMAV_CVC_MAXEXCLUSIVE_VALID,
             XML_SCHEMAV_CVC_TOTALDIGITS_VALID, XML_SCHEMAV_CVC_FRACTIONDIGITS_VALID:
            return "value is outside the allowed range"
        case XML_SCHEMAV_CVC_DATATYPE_VALID_1_2_1, XML_SCHEMAV_CVC_DATATYPE_VALID_1_2_2,
             XML_SCHEMAV_CVC_DATATYPE_VALID_1_2_3:
            return "value is not of the required type"
        case XML_SCHEMAV_CVC_ELT_1:
            return "root element is not declared in the schema (wrong name or namespace)"
        case XML_SCHEMAV_CVC_COMPLEX_TYPE_2_4, XML_SCHEMAV_ELEMENT_CONTENT:
            return missingOrUnexpected(message, vocabulary: vocabulary)
        case XML_SCHEMAV_CVC_COMPLEX_TYPE_2_3, XML_SCHEMAV_CVC_COMPLEX_TYPE_2_1:
            return "element must not contain text here"
        case XML_SCHEMAV_CVC_COMPLEX_TYPE_3_2_1, XML_SCHEMAV_CVC_COMPLEX_TYPE_3_2_2:
            return "attribute is not allowed"
        case XML_SCHEMAV_CVC_COMPLEX_TYPE_4:
            return "a required attribute is missing"
        case XML_SCHEMAV_CVC_ELT_5_2_2_2_1, XML_SCHEMAV_CVC_ELT_5_2_2_2_2, XML_SCHEMAV_CVC_AU:
            return "value differs from the fixed value"
        default:
            return "document does not conform to the schema"
        }
    }

    /// libxml2 uses one code for "missing child" and "unexpected child"; the wording (not a value) tells which.
    private static func missingOrUnexpected(_ message: String, vocabulary: SchemaVocabulary) -> String {
        let expected = expectedNames(message, vocabulary: vocabulary).map { "; expected: " + $0.joined(separator: " or ") } ?? ""
        if message.contains("Missing child element") {
            return "a required child element is missing" + expected
        }
        if message.contains("is not expected") {
            return "element is not expected here (unknown, repeated or out of order)" + expected
        }
        return "element content does not match the schema" + expected
    }

    /// The element names libxml2 lists after "Expected is (…)", kept only when the schema declares every one of them
    /// (the message also quotes the document's own element and namespace, which must never come through).
    static func expectedNames(_ message: String, vocabulary: SchemaVocabulary) -> [String]? {
        guard let start = message.range(of: "Expected is", options: .backwards), let open = message[start.upperBound...].firstIndex(of: "("),
              let close = message[open...].firstIndex(of: ")") else { return nil }
        let names = message[message.index(after: open)..<close].split(separator: ",").map { token -> String in
            let trimmed = token.trimmingCharacters(in: .whitespaces)
            return trimmed.split(separator: "}").last.map(String.init) ?? trimmed
        }
        let isName = { (name: String) in
            !name.isEmpty && name.count <= 64 && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "#") }
        }
        let declared = names.allSatisfy { isName($0) && vocabulary.elements.contains($0) }
        return declared && !names.isEmpty ? names : nil
    }
}
