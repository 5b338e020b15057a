/// Wakes a sleeping loop early; wake-ups while it is awake are remembered once (no busy loop, no lost wake-up).
public actor WakeSignal {
    private var pending = false
    private var waiter: CheckedContinuation<Void, Never>?

    /// Creates a signal.
    public init() {}

    /// Wakes the waiter, or lets the next wait return at once.
    public func wake() {
        if let waiter {
            self.waiter = nil
            waiter.resume()
        } else {
            pending = true
        }
    }

    /// Waits until woken or until `timeout` passes.
    public func wait(timeout: Duration) async {
        if pending {
            pending = false
            return
        }
        let timer = Task { [weak self] in
            try? await Task.sleep(for: timeout)
            await self?.wake()
        }
        await withCheckedContinuation { continuation in
            waiter = continuation
        }
        pending = false
        timer.cancel()
    }
}
