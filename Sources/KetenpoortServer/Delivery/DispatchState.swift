/// What the dispatch loop and its delivery tasks share: whether to stop, and the deliveries in flight per partner.
actor DispatchState {
    private(set) var stopping = false
    private var inFlight: [String: Int] = [:]

    /// Asks the loop to stop leasing (graceful shutdown).
    func stop() { stopping = true }

    /// Counts a leased delivery of `partner` as in flight.
    func started(_ partner: String) { inFlight[partner, default: 0] += 1 }

    /// Counts a delivery of `partner` as done.
    func finished(_ partner: String) {
        let left = inFlight[partner, default: 1] - 1
        inFlight[partner] = left > 0 ? left : nil
    }

    /// Per partner the slots left under `limits`; partners without a free slot are left out.
    func freeSlots(limits: [String: Int]) -> [String: Int] {
        var free: [String: Int] = [:]
        for (partner, limit) in limits where limit > inFlight[partner, default: 0] {
            free[partner] = limit - inFlight[partner, default: 0]
        }
        return free
    }
}
