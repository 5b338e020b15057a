import Foundation

/// The deliveries of one partner in one state, with the oldest message and the earliest next attempt.
public struct QueueStateSummary: Sendable, Equatable {
    /// The partner id.
    public var partner: String
    /// The state.
    public var state: DeliveryState
    /// How many deliveries.
    public var count: Int
    /// When the gateway received the oldest message among them.
    public var oldestReceivedAt: Date?
    /// The earliest next attempt (queued and deferred only).
    public var nextAttemptAt: Date?

    /// Creates a summary row.
    public init(partner: String, state: DeliveryState, count: Int, oldestReceivedAt: Date?, nextAttemptAt: Date?) {
        self.partner = partner
        self.state = state
        self.count = count
        self.oldestReceivedAt = oldestReceivedAt
        self.nextAttemptAt = nextAttemptAt
    }
}

/// One partner's unfinished deliveries counted per message-age bucket (as Postfix's qshape).
public struct QueueAgeShape: Sendable, Equatable {
    /// The partner id.
    public var partner: String
    /// Counts per bucket: one per bound (age below it), plus a last one for older.
    public var buckets: [Int]

    /// Creates an age-shape row.
    public init(partner: String, buckets: [Int]) {
        self.partner = partner
        self.buckets = buckets
    }

    /// The total over all buckets.
    public var total: Int { buckets.reduce(0, +) }
}

/// Filters for ``OperatorQueries/listQueue(_:after:limit:)``; nil fields match everything.
public struct QueueFilter: Sendable, Equatable {
    /// Only this partner.
    public var partner: String?
    /// Only these states (nil or empty: all).
    public var states: [DeliveryState]?
    /// Only messages of this kind.
    public var kind: String?
    /// Only messages received before this moment.
    public var receivedBefore: Date?
    /// Only urgent (true) or only regular (false) messages.
    public var urgent: Bool?
    /// Only this message.
    public var messageId: String?

    /// Creates a filter.
    public init(partner: String? = nil, states: [DeliveryState]? = nil, kind: String? = nil, receivedBefore: Date? = nil,
                urgent: Bool? = nil, messageId: String? = nil) {
        self.partner = partner
        self.states = states
        self.kind = kind
        self.receivedBefore = receivedBefore
        self.urgent = urgent
        self.messageId = messageId
    }
}

/// A delivery with the metadata of its message that operators filter on.
public struct QueueEntry: Sendable, Equatable {
    /// The delivery.
    public var delivery: DeliveryRecord
    /// The message kind.
    public var kind: String
    /// When the gateway received the message.
    public var receivedAt: Date

    /// Creates a queue entry.
    public init(delivery: DeliveryRecord, kind: String, receivedAt: Date) {
        self.delivery = delivery
        self.kind = kind
        self.receivedAt = receivedAt
    }
}

/// The facts of one delivery needed for the inspectorate's report.
public struct DeliveryFact: Sendable, Equatable {
    /// The partner id.
    public var partner: String
    /// The message kind.
    public var kind: String
    /// The current state.
    public var state: DeliveryState
    /// When the gateway received the message.
    public var receivedAt: Date
    /// When the delivery row last changed (for a delivered one: when the receipt was stored).
    public var updatedAt: Date

    /// Creates a delivery fact.
    public init(partner: String, kind: String, state: DeliveryState, receivedAt: Date, updatedAt: Date) {
        self.partner = partner
        self.kind = kind
        self.state = state
        self.receivedAt = receivedAt
        self.updatedAt = updatedAt
    }
}
