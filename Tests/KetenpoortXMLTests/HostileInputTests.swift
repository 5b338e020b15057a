import Foundation
import KetenpoortXML
import XCTest

/// Reading refuses what could hurt the gateway, with the right code, before any schema runs.
final class HostileInputTests: XCTestCase {
    private let reader = SafeXMLReader()

    private func assertRejected(_ text: String, code: String, reader: SafeXMLReader? = nil,
                                file: StaticString = #filePath, line: UInt = #line) {
        assertRejected(Data(text.utf8), code: code, reader: reader, file: file, line: line)
    }

    private func assertRejected(_ bytes: Data, code: String, reader: SafeXMLReader? = nil,
                                file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try (reader ?? self.reader).read(bytes), file: file, line: line) { error in
            guard let rejection = error as? Rejection else {
                return XCTFail("expected a Rejection, got \(error)", file: file, line: line)
            }
            XCTAssertEqual(rejection.findings.first?.code, code, "\(rejection)", file: file, line: line)
        }
    }

    func testExternalEntityToLocalFileIsRefusedAndNothingIsRead() {
        let xxe = """
            <?xml version="1.0"?>
            <!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>
            <r>&x;</r>
            """
        assertRejected(xxe, code: ReadingCode.doctype)
    }

    func testExternalEntityToURLIsRefused() {
        let xxe = """
            <?xml version="1.0"?>
            <!DOCTYPE r [<!ENTITY x SYSTEM "http://127.0.0.1:9/evil.dtd">]>
            <r>&x;</r>
            """
        assertRejected(xxe, code: ReadingCode.doctype)
    }

    func testExternalDTDIsRefused() {
        assertRejected("<!DOCTYPE r SYSTEM \"http://127.0.0.1:9/x.dtd\"><r/>", code: ReadingCode.doctype)
    }

    func testBillionLaughsIsRefusedQuickly() throws {
        let bytes = try Fixtures.example("invalid/KP-X-billion-laughs.xml")
        let started = Date()
        assertRejected(bytes, code: ReadingCode.doctype)
        XCTAssertLessThan(Date().timeIntervalSince(started), 1.0)
    }

    func testQuadraticBlowupIsRefused() {
        let big = String(repeating: "A", count: 50_000)
        let body = String(repeating: "&a;", count: 5_000)
        assertRejected("<!DOCTYPE r [<!ENTITY a \"\(big)\">]><r>\(body)</r>", code: ReadingCode.doctype)
    }

    func testUndeclaredEntityReferenceIsRefused() {
        XCTAssertThrowsError(try reader.read(Data("<r>&x;</r>".utf8)))
    }

    func testTenThousandDeepNestingIsRefused() {
        let deep = String(repeating: "<a>", count: 10_000) + String(repeating: "</a>", count: 10_000)
        assertRejected(deep, code: ReadingCode.tooDeep)
    }

    func testNestingBeyondTheConfiguredLimitIsRefused() {
        let deep = String(repeating: "<a>", count: 40) + String(repeating: "</a>", count: 40)
        assertRejected(deep, code: ReadingCode.tooDeep)
        let shallow = String(repeating: "<a>", count: 30) + String(repeating: "</a>", count: 30)
        XCTAssertNoThrow(try reader.read(Data(shallow.utf8)))
    }

    func testTooManyNodesIsRefused() {
        let many = "<r>" + String(repeating: "<a/>", count: 25_000) + "</r>"
        assertRejected(many, code: ReadingCode.tooManyNodes, reader: SafeXMLReader(limits: ReadLimits(maxBytes: 1 << 20)))
    }

    func testFiftyMebibyteDocumentIsRefusedBeforeParsing() {
        var bytes = Data("<r>".utf8)
        bytes.append(Data(repeating: UInt8(ascii: "x"), count: 50 << 20))
        bytes.append(Data("</r>".utf8))
        let started = Date()
        assertRejected(bytes, code: ReadingCode.tooLarge)
        XCTAssertLessThan(Date().timeIntervalSince(started), 1.0)
    }

    func testByteLimitIsConfigurable() {
        let small = SafeXMLReader(limits: ReadLimits(maxBytes: 10))
        assertRejected("<root>0123456789</root>", code: ReadingCode.tooLarge, reader: small)
    }

    func testInvalidUTF8IsRefused() {
        var bytes = Data("<r>".utf8)
        bytes.append(contentsOf: [0xC3, 0x28, 0xFF])
        bytes.append(Data("</r>".utf8))
        assertRejected(bytes, code: ReadingCode.encoding)
    }

    func testOtherDeclaredEncodingIsRefused() {
        assertRejected("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><r>caf\u{E9}</r>", code: ReadingCode.encoding)
    }

    func testTruncatedDocumentIsRefused() throws {
        let bytes = try Fixtures.example("valid/zorgmelding-rotterdam-kind.xml")
        assertRejected(bytes.prefix(bytes.count / 2), code: ReadingCode.truncated)
    }

    func testTwoRootElementsAreRefused() {
        assertRejected("<a/><b/>", code: ReadingCode.trailingContent)
    }

    func testTrailingGarbageIsRefused() {
        assertRejected("<a/>garbage", code: ReadingCode.trailingContent)
    }

    func testEmptyInputIsRefused() {
        assertRejected(Data(), code: ReadingCode.truncated)
    }

    func testFindingsFromHostileInputNeverQuoteContent() {
        let marker = "MARKER-9f3a"
        let inputs = [
            "<!DOCTYPE \(marker) [<!ENTITY \(marker) \"\(marker)\">]><r>&\(marker);</r>",
            "<r><\(marker)></r>",
            "<r>\(marker)</r><\(marker)/>",
            "<r attr=\"\(marker)></r>",
        ]
        for input in inputs {
            do {
                _ = try reader.read(Data(input.utf8))
                XCTFail("accepted hostile input")
            } catch {
                XCTAssertFalse("\(error)".contains(marker), "finding quotes the input: \(error)")
            }
        }
    }

    func testExampleHostileFilesAreRefused() throws {
        let expected = [
            "KP-X-doctype.xml": ReadingCode.doctype,
            "KP-X-xxe-file.xml": ReadingCode.doctype,
            "KP-X-billion-laughs.xml": ReadingCode.doctype,
            "KP-X-twee-wortels.xml": ReadingCode.trailingContent,
            "KP-X-afgekapt.xml": ReadingCode.truncated,
        ]
        for (file, code) in expected {
            assertRejected(try Fixtures.example("invalid/\(file)"), code: code)
        }
    }
}
