import Foundation
import KetenpoortStore
import XCTest

/// Leasing is per partner: only partners with a free slot, at most that many, urgent first then the longest due.
struct LeasingPartnerSuite {
    let fixture: StoreFixture

    init(fixture: StoreFixture) { self.fixture = fixture }

    private let owner = "host/1/0000beef"

    func leasesOnlyThePartnersNamedAndAtMostTheirFreeSlots() async throws {
        let store = try await fixture.open()
        for index in 0..<5 {
            _ = try await store.accept(makeMessage(id: "M-\(index)"), recipients: ["SHN", "OM", "VT-0363"])
        }
        let leased = try await store.lease(owner: owner, freeSlots: ["SHN": 2, "OM": 0], leaseDuration: 30, now: testEpoch)
        XCTAssertEqual(leased.map(\.delivery.partner), ["SHN", "SHN"])
        let om = try await store.listDeliveries(DeliveryFilter(partner: "OM", state: .queued), after: nil, limit: 10)
        let vt = try await store.listDeliveries(DeliveryFilter(partner: "VT-0363", state: .queued), after: nil, limit: 10)
        XCTAssertEqual(om.count, 5, "a partner without a free slot is not leased")
        XCTAssertEqual(vt.count, 5, "a partner that is not named is not leased")
    }

    func aBackloggedPartnerDoesNotTakeTheSlotsOfAnother() async throws {
        let store = try await fixture.open()
        // SHN has a backlog of 50 older deliveries; OM one newer delivery.
        for index in 0..<50 {
            _ = try await store.accept(makeMessage(id: "old-\(index)", received: testEpoch.addingTimeInterval(Double(index))),
                                       recipients: ["SHN"])
        }
        _ = try await store.accept(makeMessage(id: "new", received: testEpoch.addingTimeInterval(100)), recipients: ["OM"])
        let leased = try await store.lease(owner: owner, freeSlots: ["SHN": 4, "OM": 4], leaseDuration: 30,
                                           now: testEpoch.addingTimeInterval(200))
        XCTAssertEqual(leased.filter { $0.delivery.partner == "SHN" }.map(\.delivery.messageId), ["old-0", "old-1", "old-2", "old-3"])
        XCTAssertEqual(leased.filter { $0.delivery.partner == "OM" }.map(\.delivery.messageId), ["new"])
    }

    func urgentFirstThenLongestDueWithinEachPartner() async throws {
        let store = try await fixture.open()
        _ = try await store.accept(makeMessage(id: "a-old", received: testEpoch), recipients: ["SHN"])
        _ = try await store.accept(makeMessage(id: "a-new", received: testEpoch.addingTimeInterval(10)), recipients: ["SHN"])
        _ = try await store.accept(makeMessage(id: "a-urgent", urgent: true, received: testEpoch.addingTimeInterval(20)), recipients: ["SHN"])
        _ = try await store.accept(makeMessage(id: "b-old", received: testEpoch), recipients: ["OM"])
        _ = try await store.accept(makeMessage(id: "b-urgent", urgent: true, received: testEpoch.addingTimeInterval(30)), recipients: ["OM"])
        let leased = try await store.lease(owner: owner, freeSlots: ["SHN": 2, "OM": 1], leaseDuration: 30,
                                           now: testEpoch.addingTimeInterval(60))
        XCTAssertEqual(leased.filter { $0.delivery.partner == "SHN" }.map(\.delivery.messageId), ["a-urgent", "a-old"])
        XCTAssertEqual(leased.filter { $0.delivery.partner == "OM" }.map(\.delivery.messageId), ["b-urgent"])
        XCTAssertTrue(leased.allSatisfy { $0.token == LeaseToken(rawValue: 1) && $0.delivery.leaseOwner == owner })
    }

    func leaseEveryPartnerLeasesEachPartnerWithOpenDeliveries() async throws {
        let store = try await fixture.open()
        for index in 0..<3 {
            _ = try await store.accept(makeMessage(id: "E-\(index)"), recipients: ["SHN", "OM"])
        }
        let leased = try await store.leaseEveryPartner(owner: owner, perPartner: 2, leaseDuration: 30, now: testEpoch)
        XCTAssertEqual(leased.filter { $0.delivery.partner == "SHN" }.count, 2)
        XCTAssertEqual(leased.filter { $0.delivery.partner == "OM" }.count, 2)
    }
}

final class LeasingPartnerTests: XCTestCase {
    private func suite() async throws -> LeasingPartnerSuite { LeasingPartnerSuite(fixture: try await .make(.sqlite, for: self)) }

    func testLeasesOnlyThePartnersNamedAndAtMostTheirFreeSlots() async throws { try await suite().leasesOnlyThePartnersNamedAndAtMostTheirFreeSlots() }
    func testABackloggedPartnerDoesNotTakeTheSlotsOfAnother() async throws { try await suite().aBackloggedPartnerDoesNotTakeTheSlotsOfAnother() }
    func testUrgentFirstThenLongestDueWithinEachPartner() async throws { try await suite().urgentFirstThenLongestDueWithinEachPartner() }
    func testLeaseEveryPartnerLeasesEachPartnerWithOpenDeliveries() async throws { try await suite().leaseEveryPartnerLeasesEachPartnerWithOpenDeliveries() }
}

final class LeasingPartnerTestsOnPostgres: XCTestCase {
    private func suite() async throws -> LeasingPartnerSuite { LeasingPartnerSuite(fixture: try await .make(.postgres, for: self)) }

    func testLeasesOnlyThePartnersNamedAndAtMostTheirFreeSlots() async throws { try await suite().leasesOnlyThePartnersNamedAndAtMostTheirFreeSlots() }
    func testABackloggedPartnerDoesNotTakeTheSlotsOfAnother() async throws { try await suite().aBackloggedPartnerDoesNotTakeTheSlotsOfAnother() }
    func testUrgentFirstThenLongestDueWithinEachPartner() async throws { try await suite().urgentFirstThenLongestDueWithinEachPartner() }
    func testLeaseEveryPartnerLeasesEachPartnerWithOpenDeliveries() async throws { try await suite().leaseEveryPartnerLeasesEachPartnerWithOpenDeliveries() }
}
