import Foundation
import KetenpoortXML
import XCTest

/// Markup that would be forwarded and signed, and then hurt a partner or the signer, is refused while reading:
/// processing instructions, schema-location hints, XML 1.1, comments, relative namespaces, undeclared prefixes.
final class ForwardedHazardTests: XCTestCase {
    private let reader = SafeXMLReader()
    private var example = ""

    override func setUpWithError() throws {
        example = try Fixtures.example("valid/zorgmelding-rotterdam-kind.xml").text
    }

    private func assertRefused(_ text: String, code: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try reader.read(Data(text.utf8)), file: file, line: line) { error in
            XCTAssertEqual((error as? Rejection)?.findings.first?.code, code, "\(error)", file: file, line: line)
        }
    }

    /// The example with its root start tag given an extra attribute or declaration.
    private func withRootAttribute(_ attribute: String) -> String {
        example.replacingOccurrences(of: "<Zorgmelding xmlns=", with: "<Zorgmelding \(attribute) xmlns=")
    }

    func testTheUnchangedExampleIsRead() {
        XCTAssertTrue(example.contains("<Zorgmelding xmlns="))
        XCTAssertNoThrow(try reader.read(Data(example.utf8)))
    }

    func testStylesheetProcessingInstructionIsRefused() {
        let text = example.replacingOccurrences(of: "?>\n<Zorgmelding", with: "?>\n<?xml-stylesheet type=\"text/xsl\" href=\"http://127.0.0.1:9/x.xsl\"?>\n<Zorgmelding")
        XCTAssertNotEqual(text, example)
        assertRefused(text, code: ReadingCode.processingInstruction)
        assertRefused("<?xml-stylesheet href=\"http://127.0.0.1:9/x.xsl\"?><r/>", code: ReadingCode.processingInstruction)
        assertRefused("<r><?php echo 1; ?></r>", code: ReadingCode.processingInstruction)
        assertRefused("<r/><?after x?>", code: ReadingCode.processingInstruction)
    }

    func testSchemaInstanceAttributesAreRefused() {
        let xsi = "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\""
        assertRefused(withRootAttribute("\(xsi) xsi:schemaLocation=\"urn:nl:ketenpoort:zorgmelding:v1 http://127.0.0.1:9/z.xsd\""),
                      code: ReadingCode.schemaInstanceAttribute)
        assertRefused(withRootAttribute("\(xsi) xsi:noNamespaceSchemaLocation=\"http://127.0.0.1:9/z.xsd\""),
                      code: ReadingCode.schemaInstanceAttribute)
        // Any prefix bound to the XSI namespace, on any element.
        assertRefused("<r xmlns:i=\"http://www.w3.org/2001/XMLSchema-instance\"><a i:type=\"x\"/></r>", code: ReadingCode.schemaInstanceAttribute)
        // The declaration alone carries no instruction.
        XCTAssertNoThrow(try reader.read(Data(withRootAttribute(xsi).utf8)))
    }

    func testOnlyXMLVersion1Point0IsRead() {
        let text = example.replacingOccurrences(of: "<?xml version=\"1.0\"", with: "<?xml version=\"1.1\"")
        XCTAssertNotEqual(text, example)
        assertRefused(text, code: ReadingCode.version)
        assertRefused("<?xml version='2.0'?><r/>", code: ReadingCode.version)
        XCTAssertNoThrow(try reader.read(Data("<?xml version='1.0' encoding='utf-8' standalone='yes'?><r/>".utf8)))
    }

    func testCommentsAreRefusedAlsoInsideValues() {
        let text = example.replacingOccurrences(of: "<kop:BSN>999990019</kop:BSN>", with: "<kop:BSN>9999<!--x-->90019</kop:BSN>")
        XCTAssertNotEqual(text, example)
        assertRefused(text, code: ReadingCode.comment)
        assertRefused("<!-- before --><r/>", code: ReadingCode.comment)
        assertRefused("<r/><!-- after -->", code: ReadingCode.comment)
        XCTAssertThrowsError(try reader.read(Data("<r>\n<a>\n\n</a>\n<!--x--></r>".utf8))) { error in
            XCTAssertEqual((error as? Rejection)?.findings.first?.line, 5, "the finding says where")
        }
    }

    func testCDATAStaysAllowedAndIsNotMistakenForMarkup() throws {
        let document = try reader.read(Data("<r><![CDATA[<!-- not a comment --> <?not a pi?>]]></r>".utf8))
        XCTAssertEqual(document.rootElement()?.text, "<!-- not a comment --> <?not a pi?>")
    }

    func testRelativeNamespaceURIsAreRefused() {
        assertRefused(withRootAttribute("xmlns:r=\"relative/ns\""), code: ReadingCode.relativeNamespace)
        assertRefused("<r xmlns=\"relative\"/>", code: ReadingCode.relativeNamespace)
        assertRefused("<r><a xmlns:p=\"../up\"/></r>", code: ReadingCode.relativeNamespace)
        XCTAssertNoThrow(try reader.read(Data("<r xmlns=\"urn:a\"><a xmlns=\"\"/></r>".utf8)), "undeclaring the default namespace is allowed")
    }

    func testUndeclaredPrefixesAreRefused() {
        assertRefused("<p:r/>", code: ReadingCode.undeclaredPrefix)
        assertRefused("<r p:a=\"1\"/>", code: ReadingCode.undeclaredPrefix)
        assertRefused(example.replacingOccurrences(of: "<Incident>", with: "<x:Incident>").replacingOccurrences(of: "</Incident>", with: "</x:Incident>"),
                      code: ReadingCode.undeclaredPrefix)
    }

    func testOtherEncodingsAndByteOrdersAreRefusedBeforeParsing() {
        var utf16 = Data([0xFF, 0xFE])
        utf16.append("<r/>".data(using: .utf16LittleEndian) ?? Data())
        XCTAssertThrowsError(try reader.read(utf16))
        var ebcdic = Data([0x4C, 0x6F, 0xA7, 0x94])
        ebcdic.append(Data("<r/>".utf8))
        XCTAssertThrowsError(try reader.read(ebcdic)) { error in
            XCTAssertEqual((error as? Rejection)?.findings.first?.code, ReadingCode.malformed)
        }
        assertRefused("<r>\u{0}</r>", code: ReadingCode.encoding)
        var bom = Data([0xEF, 0xBB, 0xBF])
        bom.append(Data("<?xml version=\"1.0\"?><r/>".utf8))
        XCTAssertNoThrow(try reader.read(bom), "a UTF-8 byte order mark is fine")
    }
}
