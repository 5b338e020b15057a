import Foundation

/// The gateway's durable store: messages, deliveries and the audit chain, independent of the database.
///
/// Every method that changes state writes its audit records in the same transaction and returns only
/// once that transaction is durable. Times are passed in so callers and tests control the clock.
public protocol MessageStore: Sendable {
    /// Stores a message with one queued delivery per recipient; idempotent on (id, sender, digest).
    func accept(_ message: IncomingMessage, recipients: [String]) async throws -> AcceptOutcome

    /// Leases due deliveries to `owner` until `now + leaseDuration`: for each partner in `freeSlots` at most its
    /// number, urgent first, then longest due; partners not named are not leased. A payload that cannot be
    /// decrypted does not fail the lease: its delivery comes back with ``LeasedPayload/unreadable(reason:)``.
    func lease(owner: String, freeSlots: [String: Int], leaseDuration: TimeInterval, now: Date) async throws -> [LeasedDelivery]

    /// Marks a leased delivery delivered, keeping the partner's receipt; the lease (owner and token) must be current.
    func deliver(_ delivery: DeliveryID, owner: String, token: LeaseToken, receipt: Data, now: Date) async throws -> DeliveryRecord

    /// Defers a leased delivery until `until` after a retryable error; a signed "try later" receipt's digest is audited.
    func deferDelivery(
        _ delivery: DeliveryID, owner: String, token: LeaseToken, until: Date, errorClass: ErrorClass, errorText: String,
        receipt: Data?, now: Date
    ) async throws -> DeliveryRecord

    /// Fails a leased delivery permanently (dead letter); the lease must be current.
    func fail(
        _ delivery: DeliveryID, owner: String, token: LeaseToken, errorClass: ErrorClass, errorText: String, now: Date
    ) async throws -> DeliveryRecord

    /// Gives a lease back unfinished (e.g. at shutdown), making the delivery due now; the lease must be current.
    func returnLease(_ delivery: DeliveryID, owner: String, token: LeaseToken, now: Date) async throws -> DeliveryRecord

    /// Operator: holds a queued or deferred delivery so it is not dispatched.
    func hold(_ delivery: DeliveryID, by action: OperatorAction, now: Date) async throws -> DeliveryRecord

    /// Operator: releases a held delivery; it becomes due now.
    func release(_ delivery: DeliveryID, by action: OperatorAction, now: Date) async throws -> DeliveryRecord

    /// Operator: makes a deferred or failed delivery due now.
    func retryNow(_ delivery: DeliveryID, by action: OperatorAction, now: Date) async throws -> DeliveryRecord

    /// Operator: fails a queued, deferred or held delivery permanently.
    func fail(_ delivery: DeliveryID, by action: OperatorAction, now: Date) async throws -> DeliveryRecord

    /// Operator: applies `transition` to the selected deliveries in one transaction, each audited: all of them change,
    /// or (one message with a delivery in a state the transition may not start from) none do.
    func apply(_ transition: OperatorTransition, to selection: DeliverySelection, by action: OperatorAction, now: Date) async throws
        -> OperatorTransitionOutcome

    /// The message's metadata and deliveries, or nil if unknown.
    func status(messageId: String) async throws -> MessageStatus?

    /// The decrypted signed message, or nil if it was purged; throws if the message is unknown.
    func payload(messageId: String) async throws -> Data?

    /// One delivery, or nil if unknown.
    func delivery(_ delivery: DeliveryID) async throws -> DeliveryRecord?

    /// The number of deliveries per partner and state (zero counts omitted).
    func countsByPartnerAndState() async throws -> [PartnerStateCount]

    /// Deliveries matching `filter` with an id greater than `after`, in id order, at most `limit`.
    func listDeliveries(_ filter: DeliveryFilter, after: DeliveryID?, limit: Int) async throws -> [DeliveryRecord]

    /// The audit records of one message, in sequence order.
    func auditTrail(messageId: String) async throws -> [AuditRecord]

    /// The sequence number of the last audit record (0 if none).
    func auditHeadSequence() async throws -> Int64

    /// Audit records with a sequence greater than `afterSequence`, at most `limit`, in sequence order.
    func auditRecords(afterSequence: Int64, limit: Int) async throws -> [AuditRecord]

    /// Audit records made at or after `since`, with a sequence greater than `afterSequence`, at most `limit`.
    func auditRecords(since: Date, afterSequence: Int64, limit: Int) async throws -> [AuditRecord]

    /// Every checkpoint, in order.
    func checkpoints() async throws -> [AuditCheckpoint]

    /// Signs the current tree head (`KPCHECK2`); nil if the chain is empty or the head is already checkpointed.
    func checkpoint(signer: any CheckpointSigner, now: Date) async throws -> AuditCheckpoint?

    /// The newest signed tree head, or nil if none was made yet.
    func latestTreeHead() async throws -> SignedTreeHead?

    /// Every signed tree head (`KPCHECK2` checkpoint), oldest first.
    func treeHeads() async throws -> [SignedTreeHead]

    /// The Merkle root of the first `treeSize` audit records, recomputed from the records.
    func rootHash(treeSize: Int64) async throws -> Data

    /// The RFC 9162 consistency proof from the tree of `oldSize` records to the tree of `newSize` records.
    func consistencyProof(oldSize: Int64, newSize: Int64) async throws -> [Data]

    /// The RFC 9162 inclusion proof of record `sequence` in the tree of `treeSize` records.
    func inclusionProof(sequence: Int64, treeSize: Int64) async throws -> [Data]

    /// The names of the missing guards (triggers or rules) that keep audit records and checkpoints append-only.
    func missingAppendOnlyGuards() async throws -> [String]

    /// Messages (metadata, no payload) with an id greater than `after`, in id order, at most `limit`.
    func storedMessages(after: String?, limit: Int) async throws -> [StoredMessage]

    /// Purges up to `limit` payloads past their retention deadline (from receipt), failing deliveries not yet final unless
    /// in flight; returns how many.
    func purgeExpiredPayloads(now: Date, limit: Int) async throws -> Int

    /// Fails a leased delivery because the partner refused it with a signed receipt, keeping the receipt; the lease must be current.
    func refuse(
        _ delivery: DeliveryID, owner: String, token: LeaseToken, receipt: Data, reason: String, now: Date
    ) async throws -> DeliveryRecord

    /// Appends an audit record that changes no state (an intake refusal, a payload read); durable on return.
    func record(event: AuditEvent, messageId: String, partner: String, actor: AuditActor, detail: String, now: Date) async throws

    /// Operator: deletes a message's payload now (its deliveries must be final or held); the audit stays.
    func purgePayload(messageId: String, by action: OperatorAction, now: Date) async throws
}

extension MessageStore {
    /// Leases up to `perPartner` due deliveries of every partner that has deliveries queued, deferred or sending
    /// (tools, tests and benchmarks; the dispatcher passes its own free slots to ``lease(owner:freeSlots:leaseDuration:now:)``).
    public func leaseEveryPartner(owner: String, perPartner: Int, leaseDuration: TimeInterval, now: Date) async throws -> [LeasedDelivery] {
        let active: Set<DeliveryState> = [.queued, .deferred, .sending]
        let partners = Set(try await countsByPartnerAndState().filter { active.contains($0.state) && $0.count > 0 }.map(\.partner))
        guard !partners.isEmpty else { return [] }
        return try await lease(owner: owner, freeSlots: Dictionary(uniqueKeysWithValues: partners.map { ($0, perPartner) }),
                               leaseDuration: leaseDuration, now: now)
    }

    /// Defers a leased delivery after a retryable error that came without a receipt.
    public func deferDelivery(
        _ delivery: DeliveryID, owner: String, token: LeaseToken, until: Date, errorClass: ErrorClass, errorText: String, now: Date
    ) async throws -> DeliveryRecord {
        try await deferDelivery(delivery, owner: owner, token: token, until: until, errorClass: errorClass, errorText: errorText,
                                receipt: nil, now: now)
    }
}
