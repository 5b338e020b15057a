import Foundation
import KetenpoortCore
import KetenpoortXML
import XCTest

/// Every example in Examples/ is judged as its name says.
final class ExampleFileTests: XCTestCase {
    func testEveryValidExampleIsValid() throws {
        let files = try CoreFixtures.files(in: "valid")
        XCTAssertGreaterThanOrEqual(files.count, 7)
        for file in files {
            let text = String(decoding: try Data(contentsOf: file), as: UTF8.self)
            XCTAssertEqual(try CoreFixtures.codes(text), [], file.lastPathComponent)
        }
    }

    func testEveryInvalidExampleBreaksExactlyTheRuleInItsName() throws {
        let files = try CoreFixtures.files(in: "invalid")
        XCTAssertGreaterThanOrEqual(files.count, 23)
        let hostile: [String: String] = [
            "KP-X-doctype.xml": "KP-X001", "KP-X-xxe-file.xml": "KP-X001", "KP-X-billion-laughs.xml": "KP-X001",
            "KP-X-twee-wortels.xml": "KP-X007", "KP-X-afgekapt.xml": "KP-X009", "KP-X-verkeerde-namespace.xml": "KP-X008",
            "KP-X-veel-attributen.xml": "KP-X010", "KP-X-commentaar-in-bsn.xml": "KP-X012", "KP-X-stylesheet.xml": "KP-X013",
            "KP-X-xml-versie-1.1.xml": "KP-X014", "KP-X-relatieve-namespace.xml": "KP-X015", "KP-X-schemalocatie.xml": "KP-X017",
        ]
        for file in files {
            let name = file.lastPathComponent
            let text = String(decoding: try Data(contentsOf: file), as: UTF8.self)
            let codes = try CoreFixtures.codes(text)
            if name.hasPrefix("KP-R") {
                XCTAssertEqual(codes, [String(name.prefix(7))], name)
            } else if name.hasPrefix("KP-S-") {
                XCTAssertEqual(codes, ["KP-S001"], name)
            } else {
                XCTAssertEqual(codes, [hostile[name] ?? "unlisted"], name)
            }
        }
    }

    func testValidExamplesAreRoutedToTheResponsiblePartner() throws {
        let validator = try CoreFixtures.validator.get()
        let expected = [
            "zorgmelding-rotterdam-kind.xml": ["vt-rotterdam-rijnmond"],
            "zorgmelding-spoed-amsterdam.xml": ["vt-amsterdam-amstelland"],
            "zorgmelding-ex-partnerstalking-haaglanden.xml": ["vt-haaglanden"],
            "slachtofferverwijzing-utrecht.xml": ["shn"],
        ]
        for (file, recipients) in expected {
            let message = try validator.validate(Data(try CoreFixtures.example("valid/\(file)").utf8))
            XCTAssertEqual(message.recipients, recipients, file)
        }
        let urgent = try validator.validate(Data(try CoreFixtures.example("valid/zorgmelding-spoed-amsterdam.xml").utf8))
        XCTAssertTrue(urgent.header.urgent)
        XCTAssertEqual(urgent.header.senderOIN.count, 20)
    }
}
