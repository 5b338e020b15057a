import Foundation

/// Read-only queries for the operator's command line: queue overview, age shape, filtered lists, report figures.
public protocol OperatorQueries: Sendable {
    /// Per partner and state: the count, the oldest message's receive time and the earliest next attempt.
    func queueSummary() async throws -> [QueueStateSummary]

    /// Per partner: deliveries not yet final, counted by message age into buckets with the given upper bounds.
    func queueAgeShape(now: Date, bucketBounds: [TimeInterval]) async throws -> [QueueAgeShape]

    /// Deliveries with their message's kind and receive time matching `filter`, after `after` in id order.
    func listQueue(_ filter: QueueFilter, after: DeliveryID?, limit: Int) async throws -> [QueueEntry]

    /// One row per delivery of the messages received in `since ..< until`: partner, kind, state and timings.
    func deliveryFacts(since: Date, until: Date) async throws -> [DeliveryFact]
}

extension OperatorQueries {
    /// Every delivery matching `filter`, in id order, read `pageSize` at a time (keyset paging).
    public func allDeliveries(_ filter: QueueFilter, pageSize: Int = 1_000) async throws -> [DeliveryRecord] {
        var all: [DeliveryRecord] = []
        var after: DeliveryID?
        while true {
            let page = try await listQueue(filter, after: after, limit: pageSize)
            all += page.map(\.delivery)
            guard page.count == pageSize, let last = page.last else { return all }
            after = last.delivery.id
        }
    }
}
