import Foundation

/// The row id of a delivery.
public typealias DeliveryID = Int64

/// The state of one delivery of a message to one partner.
public enum DeliveryState: String, Sendable, CaseIterable, Codable {
    /// Waiting to be leased.
    case queued
    /// Leased by a courier that is sending it.
    case sending
    /// The partner returned a receipt (final).
    case delivered
    /// Waiting for a retry at the next attempt time.
    case deferred
    /// Given up (final, dead letter).
    case failed
    /// Held by an operator; not dispatched until released.
    case held

    /// Whether no further automatic transition happens from this state.
    public var isFinal: Bool { self == .delivered || self == .failed }
}

/// A class of delivery error, without personal data (e.g. `timeout`, `http-5xx`).
public struct ErrorClass: RawRepresentable, Sendable, Hashable, Codable {
    /// The class name as stored.
    public var rawValue: String
    /// Creates an error class from its name.
    public init(rawValue: String) { self.rawValue = rawValue }

    /// The connection could not be made or broke.
    public static let connection = ErrorClass(rawValue: "connection")
    /// The partner did not answer in time.
    public static let timeout = ErrorClass(rawValue: "timeout")
    /// HTTP 408, 429 or 5xx: retried.
    public static let httpRetryable = ErrorClass(rawValue: "http-retryable")
    /// Another HTTP 4xx: permanent.
    public static let httpPermanent = ErrorClass(rawValue: "http-permanent")
    /// The partner returned a signed refusal.
    public static let refused = ErrorClass(rawValue: "refused")
    /// The receipt did not verify.
    public static let receiptInvalid = ErrorClass(rawValue: "receipt-invalid")
    /// The retry budget (maximum age) was exhausted.
    public static let expired = ErrorClass(rawValue: "expired")
    /// An operator failed the delivery.
    public static let operatorAction = ErrorClass(rawValue: "operator")
    /// The stored payload cannot be decrypted (wrong key or altered ciphertext): this delivery fails, the rest go on.
    public static let payloadUnreadable = ErrorClass(rawValue: "payload-unreadable")
    /// The payload was purged before the delivery was sent.
    public static let purged = ErrorClass(rawValue: "purged")
    /// No partner of that id is configured any more.
    public static let noRoute = ErrorClass(rawValue: "no-route")
    /// The partner answered with a signed `tijdelijk-niet-verwerkbaar` receipt: retried like a 5xx.
    public static let tryLater = ErrorClass(rawValue: "try-later")
}

/// One delivery as stored.
public struct DeliveryRecord: Sendable, Equatable {
    /// The delivery's row id.
    public var id: DeliveryID
    /// The message delivered.
    public var messageId: String
    /// The receiving partner's id.
    public var partner: String
    /// The current state.
    public var state: DeliveryState
    /// Whether the message is urgent.
    public var urgent: Bool
    /// How many times the delivery has been leased for sending.
    public var attempts: Int
    /// When the next attempt is due (queued/deferred), if any.
    public var nextAttemptAt: Date?
    /// The current or last lease owner.
    public var leaseOwner: String?
    /// When the current lease expires.
    public var leaseExpiresAt: Date?
    /// The class of the last error.
    public var lastErrorClass: ErrorClass?
    /// A short error text without personal data.
    public var lastErrorText: String?
    /// The partner's receipt, once delivered.
    public var receipt: Data?
    /// When the delivery row was last changed.
    public var updatedAt: Date

    /// Creates a delivery record.
    public init(
        id: DeliveryID, messageId: String, partner: String, state: DeliveryState, urgent: Bool, attempts: Int,
        nextAttemptAt: Date?, leaseOwner: String?, leaseExpiresAt: Date?, lastErrorClass: ErrorClass?,
        lastErrorText: String?, receipt: Data?, updatedAt: Date
    ) {
        self.id = id
        self.messageId = messageId
        self.partner = partner
        self.state = state
        self.urgent = urgent
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.leaseOwner = leaseOwner
        self.leaseExpiresAt = leaseExpiresAt
        self.lastErrorClass = lastErrorClass
        self.lastErrorText = lastErrorText
        self.receipt = receipt
        self.updatedAt = updatedAt
    }
}

/// Which lease of a delivery a caller holds (the fencing token): the attempt number the lease started.
///
/// Every lease increments the delivery's attempt count, so a token is never given out twice for one delivery and a
/// newer lease always has a greater token. Every transition of a leased delivery must present the current token.
public struct LeaseToken: RawRepresentable, Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    /// The attempt number of the lease.
    public var rawValue: Int64
    /// Creates a token from an attempt number.
    public init(rawValue: Int64) { self.rawValue = rawValue }

    /// Orders tokens: a greater token is a newer lease.
    public static func < (lhs: LeaseToken, rhs: LeaseToken) -> Bool { lhs.rawValue < rhs.rawValue }
    /// The attempt number as text.
    public var description: String { String(rawValue) }
}

/// The payload of a leased delivery as far as the store could read it.
public enum LeasedPayload: Sendable, Equatable {
    /// The decrypted signed message.
    case available(Data)
    /// The payload was purged (retention or operator) before the delivery was sent.
    case purged
    /// The sealed payload cannot be decrypted (wrong key, missing key or altered ciphertext); no content is named.
    case unreadable(reason: String)
}

/// A delivery leased for sending, with what the courier needs to send it.
public struct LeasedDelivery: Sendable, Equatable {
    /// The delivery as it is after the lease.
    public var delivery: DeliveryRecord
    /// The lease's fencing token; every transition of this lease must present it.
    public var token: LeaseToken
    /// The message kind.
    public var kind: String
    /// The digest of the signed message.
    public var digest: Data
    /// The payload, purged, or unreadable.
    public var content: LeasedPayload
    /// When the gateway accepted the message (for the maximum age and delivery latency).
    public var receivedAt: Date

    /// The decrypted signed message; nil if it was purged or cannot be read.
    public var payload: Data? {
        if case .available(let data) = content { return data }
        return nil
    }

    /// Creates a leased delivery.
    public init(delivery: DeliveryRecord, token: LeaseToken, kind: String, digest: Data, content: LeasedPayload,
                receivedAt: Date = Date(timeIntervalSince1970: 0)) {
        self.delivery = delivery
        self.token = token
        self.kind = kind
        self.digest = digest
        self.content = content
        self.receivedAt = receivedAt
    }
}

/// The number of deliveries of one partner in one state.
public struct PartnerStateCount: Sendable, Equatable, Hashable {
    /// The partner id.
    public var partner: String
    /// The state.
    public var state: DeliveryState
    /// How many deliveries.
    public var count: Int

    /// Creates a count.
    public init(partner: String, state: DeliveryState, count: Int) {
        self.partner = partner
        self.state = state
        self.count = count
    }
}

/// Filters for listing deliveries; nil fields match everything.
public struct DeliveryFilter: Sendable, Equatable {
    /// Only this partner.
    public var partner: String?
    /// Only this state.
    public var state: DeliveryState?
    /// Only this message.
    public var messageId: String?

    /// Creates a filter.
    public init(partner: String? = nil, state: DeliveryState? = nil, messageId: String? = nil) {
        self.partner = partner
        self.state = state
        self.messageId = messageId
    }
}

/// A message with all its deliveries, for `status` and `trail`.
public struct MessageStatus: Sendable, Equatable {
    /// The message metadata.
    public var message: StoredMessage
    /// Its deliveries, one per recipient.
    public var deliveries: [DeliveryRecord]

    /// Creates a message status.
    public init(message: StoredMessage, deliveries: [DeliveryRecord]) {
        self.message = message
        self.deliveries = deliveries
    }
}

/// An operator's identity and reason for a manual action.
public struct OperatorAction: Sendable, Equatable {
    /// The operator's name (account), recorded in the audit trail.
    public var name: String
    /// Why; recorded in the audit trail, so it must not contain personal data.
    public var reason: String

    /// Creates an operator action.
    public init(name: String, reason: String) {
        self.name = name
        self.reason = reason
    }
}
