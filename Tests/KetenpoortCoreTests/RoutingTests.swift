import Foundation
import KetenpoortCore
import KetenpoortXML
import XCTest

/// Zorgmelding routing: minor's home, else victim's home, else incident; and the CSV table.
final class RoutingTests: XCTestCase {
    private func route(_ text: String) throws -> [String] {
        try CoreFixtures.validator.get().validate(Data(text.utf8)).recipients
    }

    func testChildLivingInRotterdamGoesToRotterdamRijnmond() throws {
        XCTAssertEqual(try route(CoreFixtures.example("valid/zorgmelding-rotterdam-kind.xml")), ["vt-rotterdam-rijnmond"])
    }

    func testMinorsHomeWinsOverTheIncidentPlace() throws {
        let text = try CoreFixtures.example("valid/zorgmelding-rotterdam-kind.xml")
            .replacingOccurrences(of: "<Gemeentecode>0599</Gemeentecode>\n    <Toelichting>", with: "<Gemeentecode>0363</Gemeentecode>\n    <Toelichting>")
        XCTAssertTrue(text.contains("<Gemeentecode>0363</Gemeentecode>"))
        XCTAssertEqual(try route(text), ["vt-rotterdam-rijnmond"])
    }

    func testIncidentPlaceIsTheLastResort() throws {
        // Without any home address the incident's municipality decides.
        var text = try CoreFixtures.example("valid/zorgmelding-rotterdam-kind.xml")
        while let start = text.range(of: "<kop:Woonadres>"), let end = text.range(of: "</kop:Woonadres>") {
            text.removeSubrange(start.lowerBound..<end.upperBound)
        }
        text = text.replacingOccurrences(of: "<Gemeentecode>0599</Gemeentecode>", with: "<Gemeentecode>0518</Gemeentecode>")
        XCTAssertEqual(try route(text), ["vt-haaglanden"])
    }

    func testNoResponsibleRegionIsAFinding() throws {
        let document = try SafeXMLReader().read(Data(try CoreFixtures.example("valid/zorgmelding-rotterdam-kind.xml").utf8))
        let root = try XCTUnwrap(document.rootElement())
        let policy = try XCTUnwrap(Version1Kinds.zorgmelding.routing)
        XCTAssertThrowsError(try policy.recipients(for: root, table: MunicipalityRegions(["0363": "vt-amsterdam-amstelland"]))) { error in
            XCTAssertEqual((error as? Rejection)?.findings.first?.code, ZorgmeldingRouting.code)
        }
    }

    func testCSVErrorsNameTheLine() {
        XCTAssertThrowsError(try MunicipalityRegions(csv: "gemeentecode,gemeente,veilig_thuis_regio\n0363,Amsterdam\n")) { error in
            XCTAssertEqual((error as? RoutingTableError)?.line, 2)
        }
        XCTAssertThrowsError(try MunicipalityRegions(csv: "gemeentecode,gemeente,veilig_thuis_regio\n363,Amsterdam,vt-a\n")) { error in
            XCTAssertTrue("\(error)".contains("4 digits"))
        }
        XCTAssertThrowsError(try MunicipalityRegions(csv: "code;naam\n")) { error in
            XCTAssertEqual((error as? RoutingTableError)?.line, 1)
        }
        XCTAssertThrowsError(try MunicipalityRegions(csv: "gemeentecode,gemeente,veilig_thuis_regio\n0363,A,vt-a\n0363,A,vt-b\n"))
    }

    func testExampleTableCoversTheFourCities() throws {
        let table = try MunicipalityRegions(contentsOf: CoreFixtures.repository.appendingPathComponent("Examples/routing/gemeenten-veiligthuis.csv"))
        XCTAssertEqual(table.region(forMunicipality: "0363"), "vt-amsterdam-amstelland")
        XCTAssertEqual(table.region(forMunicipality: "0599"), "vt-rotterdam-rijnmond")
        XCTAssertEqual(table.region(forMunicipality: "0518"), "vt-haaglanden")
        XCTAssertNotNil(table.region(forMunicipality: "0344"))
    }
}
