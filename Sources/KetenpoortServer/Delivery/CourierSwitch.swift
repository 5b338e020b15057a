import Foundation
import NIOConcurrencyHelpers

/// The courier in force, replaceable while deliveries run: a new courier (client certificate, receipt trust anchors,
/// revocation lists) takes every later attempt, and the one it replaced is shut down once its last attempt ends.
final class CourierSwitch: DeliveryTransport {
    private struct State {
        var current: (id: Int, courier: Courier)
        /// Attempts in flight per courier id.
        var inFlight: [Int: Int] = [:]
        /// Replaced couriers that still have attempts in flight.
        var retired: [Int: Courier] = [:]
        var shutDown = false
    }

    private let state: NIOLockedValueBox<State>

    /// Starts with `courier`.
    init(_ courier: Courier) {
        state = NIOLockedValueBox(State(current: (0, courier)))
    }

    /// One attempt through the courier in force when it starts.
    func deliver(_ payload: Data, messageId: String, to partner: PartnerRoute) async -> CourierOutcome {
        let (id, courier) = state.withLockedValue { state in
            state.inFlight[state.current.id, default: 0] += 1
            return state.current
        }
        let outcome = await courier.deliver(payload, messageId: messageId, to: partner)
        if let retired = finished(id) { await retired.shutdown() }
        return outcome
    }

    /// Gives later attempts `courier`. Returns the previous courier when it has no attempt in flight (the caller shuts
    /// it down); otherwise it is shut down when its last attempt ends.
    func replace(with courier: Courier) -> Courier? {
        state.withLockedValue { state -> Courier? in
            let previous = state.current
            state.current = (previous.id + 1, courier)
            guard state.inFlight[previous.id, default: 0] == 0 else {
                state.retired[previous.id] = previous.courier
                return nil
            }
            return previous.courier
        }
    }

    /// Closes every courier's connection pool (at gateway shutdown).
    func shutdown() async {
        let all = state.withLockedValue { state -> [Courier] in
            state.shutDown = true
            defer { state.retired = [:] }
            return [state.current.courier] + state.retired.values
        }
        for courier in all { await courier.shutdown() }
    }

    /// Counts an attempt as ended; returns the courier to close when it was replaced and this was its last attempt.
    private func finished(_ id: Int) -> Courier? {
        state.withLockedValue { state -> Courier? in
            let left = state.inFlight[id, default: 1] - 1
            state.inFlight[id] = left > 0 ? left : nil
            guard left <= 0, !state.shutDown else { return nil }
            return state.retired.removeValue(forKey: id)
        }
    }
}
