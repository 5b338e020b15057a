/// Limits deliveries in flight per partner; waiters are served in arrival order.
actor PartnerSlots {
    private var inUse: [String: Int] = [:]
    private var waiting: [String: [CheckedContinuation<Void, Never>]] = [:]
    private let limits: [String: Int]

    init(limits: [String: Int]) {
        self.limits = limits
    }

    /// Waits for a free slot for the partner.
    func acquire(_ partner: String) async {
        let limit = limits[partner] ?? 1
        if inUse[partner, default: 0] < limit {
            inUse[partner, default: 0] += 1
            return
        }
        await withCheckedContinuation { continuation in
            waiting[partner, default: []].append(continuation)
        }
    }

    /// Frees a slot, handing it straight to the next waiter if there is one.
    func release(_ partner: String) {
        if var queue = waiting[partner], !queue.isEmpty {
            let next = queue.removeFirst()
            waiting[partner] = queue
            next.resume()
        } else {
            inUse[partner, default: 1] -= 1
        }
    }
}
