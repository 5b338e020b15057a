import Foundation

/// What the daemon needs from its store: ``MessageStore``, the queue queries, and taking back a dead run's leases.
public protocol GatewayStore: MessageStore, OperatorQueries {
    /// Queues again, due now, a delivery still leased by `owner`, an earlier run of the daemon that is gone.
    func reclaimLease(_ delivery: DeliveryID, from owner: String, now: Date) async throws -> DeliveryRecord

    /// Releases the database (files or connections) without waiting; later calls fail.
    func close() throws
}

extension SQLiteStore: GatewayStore {}
