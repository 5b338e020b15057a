import Foundation

/// A signed message handed to the store for acceptance, with its plaintext payload.
public struct IncomingMessage: Sendable, Equatable {
    /// The message id from the header; unique per gateway.
    public var id: String
    /// The message kind, e.g. `Zorgmelding`.
    public var kind: String
    /// The sender's OIN (20 digits).
    public var senderOIN: String
    /// SHA-256 digest of the exact bytes received from the sender (the idempotency key with id and sender);
    /// the store computes the signed message's own digest from `payload`.
    public var digest: Data
    /// When the gateway received the message.
    public var receivedAt: Date
    /// When the gateway signed the message.
    public var signedAt: Date
    /// Whether the message is dispatched before non-urgent ones.
    public var urgent: Bool
    /// The signed message bytes; encrypted before they reach the database.
    public var payload: Data
    /// The receive time plus the kind's retention period: then the payload is purged, and deliveries not yet
    /// final fail (`retention-expired`).
    public var retentionDeadline: Date

    /// Creates an incoming message from its metadata and signed payload.
    public init(
        id: String, kind: String, senderOIN: String, digest: Data, receivedAt: Date, signedAt: Date,
        urgent: Bool, payload: Data, retentionDeadline: Date
    ) {
        self.id = id
        self.kind = kind
        self.senderOIN = senderOIN
        self.digest = digest
        self.receivedAt = receivedAt
        self.signedAt = signedAt
        self.urgent = urgent
        self.payload = payload
        self.retentionDeadline = retentionDeadline
    }
}

/// The metadata of a stored message (never the payload).
public struct StoredMessage: Sendable, Equatable {
    /// The message id.
    public var id: String
    /// The message kind.
    public var kind: String
    /// The sender's OIN.
    public var senderOIN: String
    /// The partners the message is routed to, in the order given at acceptance.
    public var recipients: [String]
    /// SHA-256 digest of the bytes received from the sender (audit record `received-sha256`).
    public var digest: Data
    /// When the gateway received the message (millisecond precision).
    public var receivedAt: Date
    /// When the gateway signed the message (millisecond precision).
    public var signedAt: Date
    /// Whether the message is urgent.
    public var urgent: Bool
    /// The retention deadline of the payload.
    public var retentionDeadline: Date
    /// The id of the key that sealed the payload; nil once purged.
    public var keyId: String?
    /// When the payload was purged, if it was.
    public var purgedAt: Date?

    /// Creates stored-message metadata.
    public init(
        id: String, kind: String, senderOIN: String, recipients: [String], digest: Data, receivedAt: Date,
        signedAt: Date, urgent: Bool, retentionDeadline: Date, keyId: String?, purgedAt: Date?
    ) {
        self.id = id
        self.kind = kind
        self.senderOIN = senderOIN
        self.recipients = recipients
        self.digest = digest
        self.receivedAt = receivedAt
        self.signedAt = signedAt
        self.urgent = urgent
        self.retentionDeadline = retentionDeadline
        self.keyId = keyId
        self.purgedAt = purgedAt
    }
}

/// The result of an accept: a new record, or the existing one for an idempotent repeat.
public enum AcceptOutcome: Sendable, Equatable {
    /// The message was stored now; the commit is durable.
    case accepted(StoredMessage)
    /// The same message (id, sender, digest) was already stored; nothing changed.
    case duplicate(StoredMessage)

    /// The stored message, whichever case.
    public var message: StoredMessage {
        switch self {
        case .accepted(let message), .duplicate(let message): return message
        }
    }
}

extension IncomingMessage {
    /// Throws unless the message can be stored for `recipients`: an id, distinct one-line recipients, a SHA-256 digest.
    package func validate(recipients: [String]) throws {
        let message = self
        guard !message.id.isEmpty else { throw StoreError.invalidArgument("the message id is empty") }
        guard !recipients.isEmpty else {
            throw StoreError.invalidArgument("message \(message.id) has no recipients")
        }
        guard Set(recipients).count == recipients.count else {
            throw StoreError.invalidArgument("message \(message.id) names a recipient twice")
        }
        guard recipients.allSatisfy({ !$0.isEmpty && !$0.contains("\n") }) else {
            throw StoreError.invalidArgument("message \(message.id) has an empty or multi-line recipient id")
        }
        guard message.digest.count == 32 else {
            throw StoreError.invalidArgument("message \(message.id): the digest must be 32 bytes (SHA-256)")
        }
    }
}
