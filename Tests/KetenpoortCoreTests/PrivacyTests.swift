import Foundation
import KetenpoortCore
import KetenpoortXML
import XCTest

/// No finding ever carries a value from the message, whatever rules it breaks.
final class PrivacyTests: XCTestCase {
    func testFindingsNeverContainMarkerValuesFromPersonalFields() throws {
        var text = try CoreFixtures.example("valid/zorgmelding-rotterdam-kind.xml")
        // Schema-valid markers in personal fields, plus rule violations that point at those fields.
        let replacements: [(String, String)] = [
            ("<kop:Voornamen>Fleur Testje</kop:Voornamen>", "<kop:Voornamen>MRKVOORNAAM</kop:Voornamen>"),
            ("<kop:Achternaam>Voorbeeld</kop:Achternaam>", "<kop:Achternaam>MRKACHTERNAAM</kop:Achternaam>"),
            ("<kop:Straat>Proefstraat</kop:Straat>", "<kop:Straat>MRKSTRAAT</kop:Straat>"),
            ("<kop:Woonplaats>Rotterdam</kop:Woonplaats>", "<kop:Woonplaats>MRKWOONPLAATS</kop:Woonplaats>"),
            ("<kop:Telefoonnummer>0600000001</kop:Telefoonnummer>", "<kop:Telefoonnummer>0611223344</kop:Telefoonnummer>"),
            ("<kop:BSN>999990019</kop:BSN>", "<kop:BSN>987654321</kop:BSN>"),
            ("<kop:Geboortedatum>2019-03-21</kop:Geboortedatum>", "<kop:Geboortedatum>2017-04-13</kop:Geboortedatum>"),
            ("<MinderjarigenBetrokken>true</MinderjarigenBetrokken>", "<MinderjarigenBetrokken>false</MinderjarigenBetrokken>"),
            ("<Gemeentecode>0599</Gemeentecode>\n    <Toelichting>", "<Gemeentecode>0001</Gemeentecode>\n    <Toelichting>"),
        ]
        for (old, new) in replacements {
            XCTAssertTrue(text.contains(old), old)
            text = text.replacingOccurrences(of: old, with: new)
        }
        let toelichting = text.range(of: "<Toelichting>")!.upperBound..<text.range(of: "</Toelichting>")!.lowerBound
        text.replaceSubrange(toelichting, with: "MRKTOELICHTING geweld")
        let markers = ["MRK", "987654321", "0611223344", "2017-04-13", "0001"]

        var findings: [Finding] = []
        do {
            _ = try CoreFixtures.validator.get().validate(Data(text.utf8))
        } catch let rejection as Rejection {
            findings = rejection.findings
        }
        XCTAssertEqual(Set(findings.map(\.code)), ["KP-R001", "KP-R002", "KP-R003"])
        // Now break the schema in the same fields.
        let schemaBroken = text.replacingOccurrences(of: "<kop:BSN>987654321</kop:BSN>", with: "<kop:BSN>MRK98765</kop:BSN>")
            .replacingOccurrences(of: "<kop:Postcode>3071XA</kop:Postcode>", with: "<kop:Postcode>MRKPOSTC</kop:Postcode>")
            .replacingOccurrences(of: "<kop:Geboortedatum>2017-04-13</kop:Geboortedatum>", with: "<kop:Geboortedatum>MRKDATUM</kop:Geboortedatum>")
        do {
            _ = try CoreFixtures.validator.get().validate(Data(schemaBroken.utf8))
            XCTFail("schema violations accepted")
        } catch let rejection as Rejection {
            XCTAssertGreaterThanOrEqual(rejection.findings.count, 3)
            findings += rejection.findings
        }
        let encoded = String(decoding: try JSONEncoder().encode(findings), as: UTF8.self)
        for marker in markers {
            XCTAssertFalse(encoded.contains(marker), "a finding contains \(marker): \(encoded)")
        }
    }
}
