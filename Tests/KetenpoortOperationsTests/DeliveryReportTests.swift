import Foundation
import KetenpoortOperations
import KetenpoortStore
import XCTest

/// The delivery report's figures: counts per partner and kind, nearest-rank percentiles of delivery time.
final class DeliveryReportTests: XCTestCase {
    private let received = Date(timeIntervalSince1970: 1_800_000_000)

    private func fact(_ partner: String, _ kind: String, _ state: DeliveryState, after seconds: TimeInterval) -> DeliveryFact {
        DeliveryFact(partner: partner, kind: kind, state: state, receivedAt: received, updatedAt: received.addingTimeInterval(seconds))
    }

    func testRowsCountPerPartnerAndKindAndTakeNearestRankPercentiles() {
        var facts = (1...20).map { fact("shn", "Slachtofferverwijzing", .delivered, after: Double($0)) }
        facts += [fact("shn", "Slachtofferverwijzing", .failed, after: 500), fact("shn", "Slachtofferverwijzing", .deferred, after: 3)]
        facts += [fact("vt-utrecht", "Zorgmelding", .held, after: 1)]
        let rows = DeliveryReport.rows(facts)
        XCTAssertEqual(rows.map(\.partner), ["shn", "vt-utrecht"])
        XCTAssertEqual(rows[0].accepted, 22)
        XCTAssertEqual(rows[0].delivered, 20)
        XCTAssertEqual(rows[0].failed, 1)
        XCTAssertEqual(rows[0].pending, 1)
        XCTAssertEqual(rows[0].delivery_seconds_p50, 10)
        XCTAssertEqual(rows[0].delivery_seconds_p95, 19)
        XCTAssertEqual(rows[1].pending, 1)
        XCTAssertNil(rows[1].delivery_seconds_p50, "no delivered message, no delivery time")
    }
}
