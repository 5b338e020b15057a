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

    /// Every finding for a document, whatever stage refuses it (empty when valid).
    private func allFindings(_ text: String) throws -> [Finding] {
        do {
            _ = try CoreFixtures.validator.get().validate(Data(text.utf8))
            return []
        } catch let rejection as Rejection {
            return rejection.findings
        }
    }

    func testAttackerChosenNamesAndNamespacesAreNeverEchoed() throws {
        let example = try CoreFixtures.example("valid/zorgmelding-rotterdam-kind.xml")
        let marker = "QX7MARKER"
        let attacks: [(String, String)] = [
            ("unknown element", "<Incident><\(marker)a>1</\(marker)a>"),
            ("known name in a foreign namespace", "<Incident><m:Datum xmlns:m=\"urn:\(marker):b\">2026-01-01</m:Datum>"),
            ("unknown attribute", "<Incident \(marker)c=\"1\">"),
            ("namespaced attribute", "<Incident xmlns:m=\"urn:\(marker):d\" m:\(marker)e=\"1\">"),
            ("foreign element with a crafted namespace", "<Incident><x:Evil xmlns:x=\"urn:x:Expected%20is(\(marker)f)\"/>"),
        ]
        for (name, replacement) in attacks {
            let text = example.replacingOccurrences(of: "<Incident>", with: replacement)
            XCTAssertNotEqual(text, example, name)
            let found = try allFindings(text)
            XCTAssertFalse(found.isEmpty, "\(name) was accepted")
            for finding in found {
                XCTAssertFalse(finding.message.contains(marker), "\(name): \(finding.humanReadable)")
                XCTAssertFalse(finding.path?.contains(marker) ?? false, "\(name): \(finding.humanReadable)")
            }
        }
        let roots = [
            example.replacingOccurrences(of: "<Zorgmelding xmlns=\"urn:nl:ketenpoort:zorgmelding:v1\"",
                                         with: "<Zorgmelding xmlns=\"urn:\(marker):g\""),
            example.replacingOccurrences(of: "<Zorgmelding ", with: "<\(marker)h ").replacingOccurrences(of: "</Zorgmelding>", with: "</\(marker)h>"),
        ]
        for text in roots {
            let found = try allFindings(text)
            XCTAssertEqual(found.first?.code, ReadingCode.unknownKind)
            XCTAssertFalse(found.contains { $0.message.contains(marker) || ($0.path?.contains(marker) ?? false) }, "\(found)")
        }
    }

    func testRulesNeverReadInsideTheSignature() throws {
        // A BSN that fails the elfproef, hidden in the signature's unvalidated content, is not the message's.
        let text = try CoreFixtures.example("valid/zorgmelding-rotterdam-kind.xml").replacingOccurrences(
            of: "</Zorgmelding>",
            with: "<ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\" xmlns:kop=\"urn:nl:ketenpoort:berichtkop:v1\">"
                + "<kop:BSN>123456789</kop:BSN><kop:Gemeentecode>0001</kop:Gemeentecode></ds:Signature></Zorgmelding>")
        XCTAssertEqual(try allFindings(text), [])
        let message = try CoreFixtures.validator.get().validate(Data(text.utf8))
        XCTAssertNil(message.root.elements { $0.name == "Signature" || $0.name == "BSN" && $0.text == "123456789" }.first)
    }
}
