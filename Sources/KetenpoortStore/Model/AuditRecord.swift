import Foundation

/// Who caused an audited change: the gateway itself or a named operator.
public enum AuditActor: Sendable, Equatable {
    /// The gateway (intake, dispatcher, courier, retention).
    case system
    /// An operator, by account name.
    case `operator`(String)

    /// The canonical text form: `system` or `operator:<name>`.
    public var text: String {
        switch self {
        case .system: return "system"
        case .operator(let name): return "operator:" + name
        }
    }

    /// Parses the canonical text form; unknown forms are kept as operator names.
    public init(text: String) {
        if text == "system" {
            self = .system
        } else if text.hasPrefix("operator:") {
            self = .operator(String(text.dropFirst("operator:".count)))
        } else {
            self = .operator(text)
        }
    }
}

/// The audited events; stored by their raw value.
public enum AuditEvent: String, Sendable, CaseIterable {
    /// A message was accepted and stored.
    case messageAccepted = "message.accepted"
    /// A delivery was created for a recipient.
    case deliveryQueued = "delivery.queued"
    /// A delivery was leased by a courier.
    case deliveryLeased = "delivery.leased"
    /// A delivery was confirmed by a receipt.
    case deliveryDelivered = "delivery.delivered"
    /// A delivery attempt failed and was deferred.
    case deliveryDeferred = "delivery.deferred"
    /// A delivery failed permanently.
    case deliveryFailed = "delivery.failed"
    /// An operator held a delivery.
    case deliveryHeld = "delivery.held"
    /// An operator released a held delivery.
    case deliveryReleased = "delivery.released"
    /// An operator asked for an immediate retry.
    case deliveryRetryNow = "delivery.retry-now"
    /// A lease was given back unfinished (e.g. at shutdown).
    case deliveryLeaseReturned = "delivery.lease-returned"
    /// A payload was purged after its retention deadline.
    case payloadPurged = "payload.purged"
    /// A partner refused a delivery with a signed receipt (final, not retried).
    case deliveryRefused = "delivery.refused"
    /// Intake refused a message (invalid, not authorised, conflict); nothing was stored.
    case intakeRejected = "intake.rejected"
    /// An operator read a payload.
    case payloadRead = "payload.read"
    /// An operator purged a payload before its retention deadline.
    case payloadPurgedByOperator = "payload.purged-by-operator"
    /// The daemon was started on an audit store that failed its start-up check (`serve --accept-broken-audit`).
    case auditBrokenAccepted = "audit.broken-accepted"
    /// The daemon reread its configuration file (SIGHUP or `ketenpoort reload`): the file's SHA-256 and the outcome.
    case configReloaded = "config.reloaded"
}

/// One record of the audit hash chain.
public struct AuditRecord: Sendable, Equatable {
    /// The sequence number, 1, 2, 3, … without gaps.
    public var sequence: Int64
    /// When, in milliseconds since the Unix epoch (UTC).
    public var timeMillis: Int64
    /// The event name, e.g. `delivery.delivered`.
    public var event: String
    /// The message concerned, or empty.
    public var messageId: String
    /// The partner concerned, or empty.
    public var partner: String
    /// `system` or `operator:<name>`.
    public var actor: String
    /// A detail text without personal data (`key=value` pairs separated by spaces).
    public var detail: String
    /// The hash of the previous record (32 zero bytes for sequence 1).
    public var previousHash: Data
    /// SHA-256(previousHash ‖ canonical encoding of this record).
    public var hash: Data

    /// Creates an audit record from its stored fields.
    public init(
        sequence: Int64, timeMillis: Int64, event: String, messageId: String, partner: String, actor: String,
        detail: String, previousHash: Data, hash: Data
    ) {
        self.sequence = sequence
        self.timeMillis = timeMillis
        self.event = event
        self.messageId = messageId
        self.partner = partner
        self.actor = actor
        self.detail = detail
        self.previousHash = previousHash
        self.hash = hash
    }

    /// The record's time as a date.
    public var time: Date { Date(millis: timeMillis) }
}

/// A signed statement of the chain head at some moment.
public struct AuditCheckpoint: Sendable, Equatable {
    /// The checkpoint's own number (1, 2, …).
    public var id: Int64
    /// The sequence number of the head record that was signed.
    public var sequence: Int64
    /// The hash of that head record.
    public var headHash: Data
    /// When the checkpoint was made, in milliseconds since the Unix epoch.
    public var timeMillis: Int64
    /// The signature algorithm, `rsa-pkcs1-sha256` or `ecdsa-p256-sha256`.
    public var algorithm: String
    /// SHA-256 (hex) of the signer's SubjectPublicKeyInfo DER.
    public var keyFingerprint: String
    /// The signature over the checkpoint's canonical encoding.
    public var signature: Data
    /// The signed tree head (format `KPCHECK2`); nil for a `KPCHECK1` checkpoint, whose signature covers the head record only.
    public var treeHead: SignedTreeHead?
    /// The Merkle frontier (roots of the perfect subtrees) at `treeHead`'s size, kept so the next head hashes only newer records.
    public var frontier: [Data]?

    /// The checkpoint's format: `KPCHECK2` with a tree head, else `KPCHECK1`.
    public var format: String { treeHead == nil ? "KPCHECK1" : "KPCHECK2" }

    /// Creates a checkpoint from its stored fields.
    public init(
        id: Int64, sequence: Int64, headHash: Data, timeMillis: Int64, algorithm: String, keyFingerprint: String,
        signature: Data, treeHead: SignedTreeHead? = nil, frontier: [Data]? = nil
    ) {
        self.treeHead = treeHead
        self.frontier = frontier
        self.id = id
        self.sequence = sequence
        self.headHash = headHash
        self.timeMillis = timeMillis
        self.algorithm = algorithm
        self.keyFingerprint = keyFingerprint
        self.signature = signature
    }
}
