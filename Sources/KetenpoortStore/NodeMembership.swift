import Foundation

/// A store that several gateway nodes share: each node beats a heartbeat, and a surviving node returns the leases of
/// a node that stopped beating (killed, or cut off from the database) instead of waiting for them to expire.
public protocol NodeMembership: Sendable {
    /// Registers `owner` as a live node or refreshes its heartbeat (by the database's clock).
    func heartbeat(owner: String, host: String) async throws

    /// Queues again, due now, every delivery leased by a node whose heartbeat is older than `deadAfter` seconds (or
    /// by an owner that never registered), except `owner`'s own; forgets those nodes. Returns the deliveries reclaimed.
    func reclaimLeasesOfDeadNodes(except owner: String, deadAfter: TimeInterval, now: Date) async throws -> [DeliveryRecord]

    /// Removes `owner` from the live nodes (at a clean shutdown, after its leases were returned).
    func leave(owner: String) async throws
}
