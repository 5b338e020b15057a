/// How the reference endpoint answers, settable at run time so the gateway's retry tests can script failures.
public enum PartnerBehaviour: Sendable, Hashable {
    /// Verify, store and acknowledge (the real thing).
    case normal
    /// Answer with this HTTP status and no receipt (e.g. 500, 503, 429), without storing anything.
    case failWith(status: Int)
    /// Close the connection without answering.
    case dropConnection
    /// Answer with a signed refusal with this reason (when the message id can be read), without storing.
    case refuse(ReceiptRefusalReason)
    /// Wait this many milliseconds, then process normally (a slow partner; lets tests kill the gateway mid-delivery).
    case stall(milliseconds: Int)
}

/// The behaviour in force: one-shot behaviours first (in order), then the standing one.
actor PartnerBehaviourSchedule {
    private var standing: PartnerBehaviour = .normal
    private var queued: [PartnerBehaviour] = []
    private(set) var requestCount = 0

    /// Sets the standing behaviour and clears queued ones.
    func set(_ behaviour: PartnerBehaviour) {
        standing = behaviour
        queued = []
    }

    /// Adds behaviours used once each, for the next requests.
    func enqueue(_ behaviours: [PartnerBehaviour]) {
        queued += behaviours
    }

    /// The behaviour for the next request (counts the request).
    func next() -> PartnerBehaviour {
        requestCount += 1
        return queued.isEmpty ? standing : queued.removeFirst()
    }
}
