import Foundation
import KetenpoortCore
import KetenpoortXML
import XCTest

/// Each domain rule: a passing and a violating case, built from a valid example by one change.
final class RuleTests: XCTestCase {
    private func zorgmelding() throws -> String { try CoreFixtures.example("valid/zorgmelding-rotterdam-kind.xml") }
    private func referral() throws -> String { try CoreFixtures.example("valid/slachtofferverwijzing-utrecht.xml") }

    private func replacing(_ text: String, _ old: String, _ new: String, file: StaticString = #filePath, line: UInt = #line) -> String {
        XCTAssertTrue(text.contains(old), "fixture lacks \(old)", file: file, line: line)
        return text.replacingOccurrences(of: old, with: new)
    }

    func testElfproefAcceptsValidAndRefusesInvalidNumbers() {
        for valid in ["111222333", "123456782", "999990019"] { XCTAssertTrue(BSNElfproef.passes(valid), valid) }
        for invalid in ["111222334", "123456789", "000000000", "12345678", "1234567890", "12345678a"] {
            XCTAssertFalse(BSNElfproef.passes(invalid), invalid)
        }
    }

    func testR001BSNMustPassTheElfproef() throws {
        XCTAssertEqual(try CoreFixtures.codes(replacing(zorgmelding(), "<kop:BSN>999990019</kop:BSN>", "<kop:BSN>111222333</kop:BSN>")), [])
        XCTAssertEqual(try CoreFixtures.codes(replacing(zorgmelding(), "<kop:BSN>999990019</kop:BSN>", "<kop:BSN>111222334</kop:BSN>")), ["KP-R001"])
    }

    func testR002MunicipalityMustBeInTheRoutingTable() throws {
        let amsterdam = replacing(try zorgmelding(), "<Gemeentecode>0599</Gemeentecode>", "<Gemeentecode>0363</Gemeentecode>")
        XCTAssertEqual(try CoreFixtures.codes(amsterdam), [])
        let unknown = replacing(try zorgmelding(), "<Gemeentecode>0599</Gemeentecode>", "<Gemeentecode>0001</Gemeentecode>")
        XCTAssertEqual(try CoreFixtures.codes(unknown), ["KP-R002"])
    }

    func testR003MinorMustBeReported() throws {
        let text = replacing(try zorgmelding(), "<MinderjarigenBetrokken>true</MinderjarigenBetrokken>",
                             "<MinderjarigenBetrokken>false</MinderjarigenBetrokken>")
        XCTAssertEqual(try CoreFixtures.codes(text), ["KP-R003"])
    }

    func testR003AgeIsCountedOnTheIncidentDateIncludingTheEighteenthBirthday() throws {
        // Child born 2008-10-12 is exactly 18 on the incident date 2026-10-12: an adult, so false is right.
        var text = replacing(try zorgmelding(), "<kop:Geboortedatum>2019-03-21</kop:Geboortedatum>",
                             "<kop:Geboortedatum>2008-10-12</kop:Geboortedatum>")
        text = replacing(text, "<MinderjarigenBetrokken>true</MinderjarigenBetrokken>", "<MinderjarigenBetrokken>false</MinderjarigenBetrokken>")
        XCTAssertEqual(try CoreFixtures.codes(text), [])
        // One day younger: still 17, so false is wrong.
        let younger = replacing(text, "<kop:Geboortedatum>2008-10-12</kop:Geboortedatum>", "<kop:Geboortedatum>2008-10-13</kop:Geboortedatum>")
        XCTAssertEqual(try CoreFixtures.codes(younger), ["KP-R003"])
    }

    func testR004ReportedMinorsMustBeNamed() throws {
        let adult = replacing(try zorgmelding(), "<kop:Geboortedatum>2019-03-21</kop:Geboortedatum>",
                              "<kop:Geboortedatum>1999-03-21</kop:Geboortedatum>")
        XCTAssertEqual(try CoreFixtures.codes(adult), ["KP-R004"])
    }

    func testR005VictimObjectionIsRefused() throws {
        XCTAssertEqual(try CoreFixtures.codes(referral()), [])
        let objection = replacing(try referral(), "<WensSlachtoffer>akkoord</WensSlachtoffer>", "<WensSlachtoffer>bezwaar</WensSlachtoffer>")
        XCTAssertEqual(try CoreFixtures.codes(objection), ["KP-R005"])
    }

    func testR006DatesMustNotBeInTheFuture() throws {
        let text = try zorgmelding()
        let now = Date()
        let tomorrow = DutchCalendar.dateString(now.addingTimeInterval(86400 * 2))
        let future = replacing(text, "<Datum>2026-10-12</Datum>", "<Datum>\(tomorrow)</Datum>")
        XCTAssertTrue(try CoreFixtures.codes(future, now: now).contains("KP-R006"))
        // The same message judged two days later is fine: the rule is about "now", not a fixed date.
        XCTAssertFalse(try CoreFixtures.codes(future, now: now.addingTimeInterval(86400 * 3)).contains("KP-R006"))
        let futureCreation = replacing(text, "2026-10-14T09:30:00+02:00", "2099-01-01T00:00:00+01:00")
        XCTAssertTrue(try CoreFixtures.codes(futureCreation).contains("KP-R006"))
    }

    func testR007MeasureMustNotEndBeforeItStarts() throws {
        let spoed = try CoreFixtures.example("valid/zorgmelding-spoed-amsterdam.xml")
        XCTAssertEqual(try CoreFixtures.codes(spoed), [])
        let broken = try CoreFixtures.example("invalid/KP-R007-einddatum-voor-begindatum.xml")
        XCTAssertEqual(try CoreFixtures.codes(broken), ["KP-R007"])
    }

    func testR008HeaderKindMustMatchTheRoot() throws {
        let text = replacing(try zorgmelding(), "<kop:Berichtsoort>Zorgmelding</kop:Berichtsoort>",
                             "<kop:Berichtsoort>Slachtofferverwijzing</kop:Berichtsoort>")
        XCTAssertEqual(try CoreFixtures.codes(text), ["KP-R008"])
    }

    func testR010RefusalReasonOnlyWithRefusal() throws {
        XCTAssertEqual(try CoreFixtures.codes(CoreFixtures.example("valid/ontvangstbevestiging-geweigerd.xml")), [])
        XCTAssertEqual(try CoreFixtures.codes(CoreFixtures.example("invalid/KP-R010-weigeringsreden-ontbreekt.xml")), ["KP-R010"])
        let received = try CoreFixtures.example("valid/ontvangstbevestiging-ontvangen.xml")
        let withReason = replacing(received, "</Status>", "</Status><Weigeringsreden>overig</Weigeringsreden>")
        XCTAssertEqual(try CoreFixtures.codes(withReason), ["KP-R010"])
    }

    func testSeveralViolationsAreAllReported() throws {
        var text = replacing(try zorgmelding(), "<kop:BSN>999990019</kop:BSN>", "<kop:BSN>111222334</kop:BSN>")
        text = replacing(text, "<MinderjarigenBetrokken>true</MinderjarigenBetrokken>", "<MinderjarigenBetrokken>false</MinderjarigenBetrokken>")
        XCTAssertEqual(Set(try CoreFixtures.codes(text)), ["KP-R001", "KP-R003"])
    }

    func testEveryRuleHasAUniqueCodeAndASummary() {
        let rules = Version1Kinds.all.flatMap(\.rules)
        let codes = Dictionary(grouping: rules, by: \.code)
        for (code, group) in codes {
            XCTAssertTrue(code.hasPrefix("KP-R"), code)
            XCTAssertEqual(Set(group.map(\.summary)).count, 1, code)
        }
        XCTAssertTrue(rules.allSatisfy { !$0.summary.isEmpty })
    }
}
