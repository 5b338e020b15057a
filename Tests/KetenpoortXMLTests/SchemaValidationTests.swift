import Foundation
import KetenpoortXML
import XCTest

/// XSD validation through libxml2: results, error mapping, and safety under concurrency.
final class SchemaValidationTests: XCTestCase {
    func testValidExamplesPassTheirSchema() throws {
        let pairs = [
            ("valid/zorgmelding-rotterdam-kind.xml", "Zorgmelding.xsd"),
            ("valid/zorgmelding-10kb.xml", "Zorgmelding.xsd"),
            ("valid/slachtofferverwijzing-utrecht.xml", "Slachtofferverwijzing.xsd"),
            ("valid/ontvangstbevestiging-ontvangen.xml", "Ontvangstbevestiging.xsd"),
        ]
        for (file, schemaName) in pairs {
            let findings = try Fixtures.schema(schemaName).validate(SafeXMLReader().read(Fixtures.example(file)))
            XCTAssertEqual(findings, [], file)
        }
    }

    func testSchemaViolationsAreMappedWithPathAndLine() throws {
        let schema = try Fixtures.schema("Zorgmelding.xsd")
        let findings = schema.validate(try SafeXMLReader().read(Fixtures.example("invalid/KP-S-bsn-patroon.xml")))
        XCTAssertEqual(findings.count, 1)
        XCTAssertEqual(findings.first?.code, "KP-S001")
        XCTAssertEqual(findings.first?.path, "/Zorgmelding/Betrokkenen/Persoon[1]/BSN")
        XCTAssertNotNil(findings.first?.line)
        XCTAssertTrue(findings.first?.message.contains("format") ?? false)
    }

    func testMissingElementNamesWhatWasExpected() throws {
        let schema = try Fixtures.schema("Zorgmelding.xsd")
        let findings = schema.validate(try SafeXMLReader().read(Fixtures.example("invalid/KP-S-element-ontbreekt.xml")))
        XCTAssertTrue(findings.contains { $0.message.contains("expected: AcuutGevaar") }, "\(findings)")
    }

    func testWrongNamespaceFailsValidation() throws {
        let schema = try Fixtures.schema("Zorgmelding.xsd")
        let findings = schema.validate(try SafeXMLReader().read(Fixtures.example("invalid/KP-X-verkeerde-namespace.xml")))
        XCTAssertFalse(findings.isEmpty)
        XCTAssertTrue(findings[0].message.contains("not declared"), "\(findings)")
    }

    func testSchemaFindingsNeverQuoteValues() throws {
        let schema = try Fixtures.schema("Zorgmelding.xsd")
        var text = try Fixtures.example("valid/zorgmelding-rotterdam-kind.xml").text
        text = text.replacingOccurrences(of: "<kop:BSN>999990019</kop:BSN>", with: "<kop:BSN>MARKER01</kop:BSN>")
        text = text.replacingOccurrences(of: "<kop:Postcode>3071XA</kop:Postcode>", with: "<kop:Postcode>MARKER02</kop:Postcode>")
        text = text.replacingOccurrences(of: "<Soort>verwaarlozing</Soort>", with: "<Soort>MARKER03</Soort>")
        text = text.replacingOccurrences(of: "<kop:Geboortedatum>2019-03-21</kop:Geboortedatum>",
                                         with: "<kop:Geboortedatum>MARKER04</kop:Geboortedatum>")
        let findings = schema.validate(try SafeXMLReader().read(Data(text.utf8)))
        XCTAssertGreaterThanOrEqual(findings.count, 4)
        for finding in findings {
            XCTAssertFalse(finding.humanReadable.contains("MARKER"), finding.humanReadable)
        }
    }

    func testMissingSchemaFileIsAClearError() {
        XCTAssertThrowsError(try XMLSchema(contentsOf: URL(fileURLWithPath: "/nonexistent/x.xsd"))) { error in
            XCTAssertTrue("\(error)".contains("/nonexistent/x.xsd"))
        }
    }

    func testConcurrentValidationFromManyTasksGivesTheSameResults() async throws {
        let schema = try Fixtures.schema("Zorgmelding.xsd")
        let valid = try Fixtures.example("valid/zorgmelding-10kb.xml")
        let invalid = try Fixtures.example("invalid/KP-S-onbekende-waarde.xml")
        let outcomes = try await withThrowingTaskGroup(of: (Int, Int).self) { group in
            for task in 0..<16 {
                group.addTask {
                    var validCount = 0
                    var invalidCount = 0
                    for iteration in 0..<60 {
                        let useValid = (task + iteration) % 2 == 0
                        let findings = schema.validate(try SafeXMLReader().read(useValid ? valid : invalid))
                        if useValid && findings.isEmpty { validCount += 1 }
                        if !useValid && findings.count == 1 && findings[0].code == "KP-S001" { invalidCount += 1 }
                    }
                    return (validCount, invalidCount)
                }
            }
            var total = (0, 0)
            for try await result in group { total = (total.0 + result.0, total.1 + result.1) }
            return total
        }
        XCTAssertEqual(outcomes.0, 16 * 30)
        XCTAssertEqual(outcomes.1, 16 * 30)
    }
}
