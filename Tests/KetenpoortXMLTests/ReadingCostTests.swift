import Foundation
import KetenpoortXML
import XCTest

/// Every refusal of a body up to 1 MiB costs less than 100 ms of CPU, whatever its shape, because the
/// limits that matter hold before libxml2 builds a tree (its duplicate-attribute check is quadratic).
final class ReadingCostTests: XCTestCase {
    private let reader = SafeXMLReader()
    private let budget = 0.100

    /// User plus system CPU seconds of this process so far.
    private func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let user = Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
        let system = Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
        return user + system
    }

    /// Pads `open + repeated part… + close` to just under the 1 MiB limit.
    private func filled(_ open: String, _ part: (Int) -> String, _ close: String) -> Data {
        var text = open
        var index = 0
        let limit = ReadLimits.standard.maxBytes - close.utf8.count - 64
        while true {
            let next = part(index)
            if text.utf8.count + next.utf8.count > limit { break }
            text += next
            index += 1
        }
        return Data((text + close).utf8)
    }

    private func assertRefusedCheaply(_ name: String, _ bytes: Data, code: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertLessThanOrEqual(bytes.count, ReadLimits.standard.maxBytes, name, file: file, line: line)
        let before = cpuSeconds()
        var finding: Finding?
        do {
            _ = try reader.read(bytes)
        } catch let rejection as Rejection {
            finding = rejection.findings.first
        } catch {
            XCTFail("\(name): unexpected error \(error)", file: file, line: line)
        }
        let spent = cpuSeconds() - before
        XCTAssertEqual(finding?.code, code, "\(name): \(String(describing: finding))", file: file, line: line)
        XCTAssertLessThan(spent, budget, "\(name) took \(Int(spent * 1000)) ms of CPU", file: file, line: line)
    }

    func testManyAttributesOnOneElementAreRefusedBeforeParsing() {
        // The case: ~90,000 short attributes cost libxml2 over a minute; 30,000 cost 2.4 s.
        let bytes = filled("<r", { " a\($0)=\"1\"" }, "/>")
        assertRefusedCheaply("many attributes", bytes, code: ReadingCode.tooManyAttributes)
        assertRefusedCheaply("30,000 attributes", Data(("<r" + (0..<30_000).map { " a\($0)=''" }.joined() + "/>").utf8),
                             code: ReadingCode.tooManyAttributes)
    }

    func testManyNamespaceDeclarationsAreRefusedBeforeParsing() {
        let bytes = filled("<r", { " xmlns:p\($0)=\"urn:x:\($0)\"" }, "/>")
        assertRefusedCheaply("many namespace declarations", bytes, code: ReadingCode.tooManyAttributes)
    }

    func testHugeStartTagsAreRefusedBeforeParsing() {
        let value = String(repeating: "x", count: 1_000_000)
        assertRefusedCheaply("huge attribute value", Data("<r a=\"\(value)\"/>".utf8), code: ReadingCode.startTagTooLong)
        assertRefusedCheaply("long element name", Data("<r\(value)/>".utf8), code: ReadingCode.startTagTooLong)
        assertRefusedCheaply("long attribute name", Data("<r a\(value)=\"1\"/>".utf8), code: ReadingCode.startTagTooLong)
        assertRefusedCheaply("long end tag", Data("<r></r\(value)>".utf8), code: ReadingCode.startTagTooLong)
        let spaces = String(repeating: " ", count: 1_000_000)
        assertRefusedCheaply("whitespace in a tag", Data("<r\(spaces)a=\"1\"/>".utf8), code: ReadingCode.startTagTooLong)
    }

    func testManyTinyElementsAreRefusedBeforeParsing() {
        assertRefusedCheaply("1 MiB of tiny elements", filled("<r>", { _ in "<a/>" }, "</r>"), code: ReadingCode.tooManyNodes)
        // Elements within the attribute limit, but too many attributes in all.
        let sixtyFour = (0..<64).map { " a\($0)=''" }.joined()
        assertRefusedCheaply("many elements with many attributes", filled("<r>", { _ in "<a\(sixtyFour)/>" }, "</r>"),
                             code: ReadingCode.tooManyNodes)
    }

    func testDeepNestingIsRefusedBeforeParsing() {
        assertRefusedCheaply("deep nesting", filled("", { _ in "<a>" }, ""), code: ReadingCode.tooDeep)
    }

    func testManyCommentsAndProcessingInstructionsAreRefusedBeforeParsing() {
        assertRefusedCheaply("many comments", filled("<r>", { _ in "<!--x-->" }, "</r>"), code: ReadingCode.comment)
        assertRefusedCheaply("many PIs", filled("<r>", { _ in "<?p x?>" }, "</r>"), code: ReadingCode.processingInstruction)
    }

    func testTextHeavyDocumentsWithinTheLimitsAreReadCheaply() throws {
        // Not refused: the pre-scan must not cost much on what it lets through (1 MiB of text and references).
        let bytes = filled("<r>", { _ in "a&amp;b&#x41;" }, "</r>")
        let before = cpuSeconds()
        XCTAssertNoThrow(try reader.read(bytes))
        XCTAssertLessThan(cpuSeconds() - before, budget)
    }

    func testEveryValidExampleFitsTheLimits() throws {
        let folder = Fixtures.repository.appendingPathComponent("Examples/valid")
        let files = try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil).filter { $0.pathExtension == "xml" }
        XCTAssertFalse(files.isEmpty)
        let tight = SafeXMLReader(limits: ReadLimits(maxAttributesPerElement: 8, maxStartTagBytes: 512))
        for file in files {
            XCTAssertNoThrow(try tight.read(Data(contentsOf: file)), file.lastPathComponent)
        }
    }

    func testAttributeLimitsAreConfigurableAndNameTheLimitAndLine() {
        let reader = SafeXMLReader(limits: ReadLimits(maxAttributesPerElement: 3))
        XCTAssertNoThrow(try reader.read(Data("<r xmlns='urn:a' a='1' b=\"2\"/>".utf8)))
        XCTAssertThrowsError(try reader.read(Data("<r>\n<a xmlns:p='urn:p' a='1' b='2' p:c='3'/></r>".utf8))) { error in
            let finding = (error as? Rejection)?.findings.first
            XCTAssertEqual(finding?.code, ReadingCode.tooManyAttributes)
            XCTAssertEqual(finding?.line, 2)
            XCTAssertTrue(finding?.message.contains("limit of 3 attributes") ?? false, "\(String(describing: finding))")
        }
        let short = SafeXMLReader(limits: ReadLimits(maxStartTagBytes: 16))
        XCTAssertNoThrow(try short.read(Data("<r a='12345678'>text longer than sixteen bytes</r>".utf8)))
        XCTAssertThrowsError(try short.read(Data("<r a='123456789012'/>".utf8))) { error in
            let finding = (error as? Rejection)?.findings.first
            XCTAssertEqual(finding?.code, ReadingCode.startTagTooLong)
            XCTAssertTrue(finding?.message.contains("16 bytes") ?? false)
        }
    }

    func testQuotedMarkupCharactersDoNotConfuseTheCount() throws {
        // '>' and the other quote inside values, and attributes spread over lines, are counted like libxml2 reads them.
        let reader = SafeXMLReader(limits: ReadLimits(maxAttributesPerElement: 2))
        XCTAssertNoThrow(try reader.read(Data("<r a='x\">y' \n b=\"'>'\"><c/></r>".utf8)))
        XCTAssertThrowsError(try reader.read(Data("<r a='>' b='>' c='>'/>".utf8))) { error in
            XCTAssertEqual((error as? Rejection)?.findings.first?.code, ReadingCode.tooManyAttributes)
        }
    }
}
