/// Wakes a sleeping loop early; wake-ups while it is awake are remembered once (no busy loop, no lost wake-up).
public actor WakeSignal {
    private var pending = false
    private var waiter: (id: UInt64, continuation: CheckedContinuation<Void, Never>)?
    private var lastWaitId: UInt64 = 0

    /// Creates a signal.
    public init() {}

    /// Wakes the waiter, or lets the next wait return at once.
    public func wake() {
        if let waiter {
            self.waiter = nil
            waiter.continuation.resume()
        } else {
            pending = true
        }
    }

    /// Waits until woken, until `timeout` passes, or until the waiting task is cancelled.
    public func wait(timeout: Duration) async {
        if pending {
            pending = false
            return
        }
        guard !Task.isCancelled else { return }
        lastWaitId &+= 1
        let id = lastWaitId
        let timer = Task { [weak self] in
            try? await Task.sleep(for: timeout)
            await self?.endWait(id)
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                // One waiter at a time: an earlier one (another task) is let go rather than left hanging.
                self.waiter?.continuation.resume()
                self.waiter = (id, continuation)
            }
        } onCancel: {
            Task { await self.endWait(id) }
        }
        pending = false
        timer.cancel()
    }

    /// Ends the wait `id` if it is still the current one.
    private func endWait(_ id: UInt64) {
        guard let waiter, waiter.id == id else { return }
        self.waiter = nil
        waiter.continuation.resume()
    }
}
