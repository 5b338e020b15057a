import Foundation

/// Replays the audit trail into the state of every delivery and message it describes, and names the rows of the
/// `deliveries` and `messages` tables that the trail does not explain (e.g. a delivered delivery edited back to queued).
public struct AuditStateReplay: Sendable {
    /// What the trail says about one delivery.
    struct Delivery: Sendable {
        var messageId: String
        var partner: String
        var state: DeliveryState
        var attempts: Int
        var lastSequence: Int64
    }

    /// What the trail says about one message.
    struct Message: Sendable {
        var acceptedSequence: Int64
        var receivedDigest: String?
        var purged = false
    }

    private var deliveries: [DeliveryID: Delivery] = [:]
    private var messages: [String: Message] = [:]
    private var seenDeliveries: Set<DeliveryID> = []
    private var seenMessages: Set<String> = []
    /// Records that name a delivery the trail never queued (reported with the table rows).
    private var orphanRecords: [String] = []

    /// An empty replay.
    public init() {}

    /// Applies one record (records must come in sequence order).
    public mutating func feed(_ record: AuditRecord) {
        guard let event = AuditEvent(rawValue: record.event) else { return }
        let fields = Self.fields(record.detail)
        switch event {
        case .messageAccepted:
            messages[record.messageId] = Message(acceptedSequence: record.sequence, receivedDigest: AcceptedDigests(detail: record.detail).received)
        case .payloadPurged, .payloadPurgedByOperator:
            messages[record.messageId]?.purged = true
        case .deliveryQueued:
            guard let id = fields["delivery"].flatMap(DeliveryID.init) else { return }
            deliveries[id] = Delivery(messageId: record.messageId, partner: record.partner, state: .queued, attempts: 0,
                                      lastSequence: record.sequence)
        default:
            guard let state = Self.stateAfter(event), let id = fields["delivery"].flatMap(DeliveryID.init) else { return }
            guard var delivery = deliveries[id] else {
                orphanRecords.append("record \(record.sequence): \(record.event) of delivery \(id), which the trail never queued")
                return
            }
            delivery.state = state
            if event == .deliveryLeased, let attempt = fields["attempt"].flatMap(Int.init) {
                delivery.attempts = attempt
            }
            delivery.lastSequence = record.sequence
            deliveries[id] = delivery
        }
    }

    /// The delivery state an event leaves behind (nil: the event changes no delivery).
    static func stateAfter(_ event: AuditEvent) -> DeliveryState? {
        switch event {
        case .deliveryQueued, .deliveryLeaseReturned, .deliveryReleased, .deliveryRetryNow: return .queued
        case .deliveryLeased: return .sending
        case .deliveryDelivered: return .delivered
        case .deliveryDeferred: return .deferred
        case .deliveryFailed, .deliveryRefused: return .failed
        case .deliveryHeld: return .held
        default: return nil
        }
    }

    /// What is wrong with a row of the `deliveries` table given the trail; nil if the trail explains it.
    public mutating func problem(with row: DeliveryRecord) -> String? {
        seenDeliveries.insert(row.id)
        guard let replayed = deliveries[row.id] else {
            return "delivery \(row.id) (message \(row.messageId), partner \(row.partner)) is in the table, but the trail never queued it"
        }
        if replayed.messageId != row.messageId || replayed.partner != row.partner {
            return "delivery \(row.id): the table says message \(row.messageId) to \(row.partner); the trail says message \(replayed.messageId) to \(replayed.partner)"
        }
        if replayed.state != row.state || replayed.attempts != row.attempts {
            return "delivery \(row.id) (message \(row.messageId), partner \(row.partner)): the table says \(row.state.rawValue) after "
                + "\(row.attempts) attempt(s); the trail says \(replayed.state.rawValue) after \(replayed.attempts) (record \(replayed.lastSequence))"
        }
        return nil
    }

    /// What is wrong with a row of the `messages` table given the trail; nil if the trail explains it.
    public mutating func problem(with row: StoredMessage) -> String? {
        seenMessages.insert(row.id)
        guard let replayed = messages[row.id] else {
            return "message \(row.id) is in the table, but the trail never accepted it"
        }
        if let digest = replayed.receivedDigest, digest != row.digest.hexString {
            return "message \(row.id): the table's digest is not the one accepted (record \(replayed.acceptedSequence))"
        }
        if replayed.purged != (row.purgedAt != nil) {
            return replayed.purged
                ? "message \(row.id): the trail purged its payload, but the table says it is kept"
                : "message \(row.id): the table says its payload was purged, but the trail has no purge"
        }
        return nil
    }

    /// The trail's deliveries and messages that no table row was shown for, and records about unknown deliveries.
    public var unexplainedByTables: [String] {
        orphanRecords
            + deliveries.keys.filter { !seenDeliveries.contains($0) }.sorted().map { id in
                "delivery \(id) (message \(deliveries[id]?.messageId ?? "")) is in the trail (record \(deliveries[id]?.lastSequence ?? 0)), but not in the table"
            }
            + messages.keys.filter { !seenMessages.contains($0) }.sorted().map { id in
                "message \(id) was accepted (record \(messages[id]?.acceptedSequence ?? 0)), but is not in the table"
            }
    }

    private static func fields(_ detail: String) -> [Substring: String] {
        var fields: [Substring: String] = [:]
        for pair in detail.split(separator: " ") {
            guard let equals = pair.firstIndex(of: "=") else { continue }
            fields[pair[..<equals]] = String(pair[pair.index(after: equals)...])
        }
        return fields
    }
}

extension MessageStore {
    /// Replays the whole trail and compares it with every delivery and message; returns one line per row the trail does
    /// not explain (empty when the tables are what the trail says), at most `limit`.
    public func verifyStateAgainstTrail(pageSize: Int = 10_000, limit: Int = 50) async throws -> [String] {
        var replay = AuditStateReplay()
        var after: Int64 = 0
        while true {
            let page = try await auditRecords(afterSequence: after, limit: pageSize)
            guard let last = page.last else { break }
            page.forEach { replay.feed($0) }
            after = last.sequence
        }
        var problems: [String] = []
        var deliveryCursor: DeliveryID?
        while problems.count < limit {
            let page = try await listDeliveries(DeliveryFilter(), after: deliveryCursor, limit: pageSize)
            guard let last = page.last else { break }
            problems += page.compactMap { replay.problem(with: $0) }
            deliveryCursor = last.id
        }
        var messageCursor: String?
        while problems.count < limit {
            let page = try await storedMessages(after: messageCursor, limit: pageSize)
            guard let last = page.last else { break }
            problems += page.compactMap { replay.problem(with: $0) }
            messageCursor = last.id
        }
        if problems.count < limit {
            problems += replay.unexplainedByTables
        }
        return Array(problems.prefix(limit))
    }
}
