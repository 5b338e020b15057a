import Foundation

/// Signs the audit chain head at an interval and once more at shutdown (for the daemon).
///
/// Call ``run(every:)`` in a task and cancel that task at shutdown, then call ``finalCheckpoint()``.
public actor AuditCheckpointer {
    private let store: any MessageStore
    private let signer: any CheckpointSigner
    private var made: Int = 0

    /// Creates a checkpointer for `store` signing with `signer`.
    public init(store: any MessageStore, signer: any CheckpointSigner) {
        self.store = store
        self.signer = signer
    }

    /// Makes a checkpoint every `interval` until the surrounding task is cancelled.
    public func run(every interval: Duration) async throws {
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: interval)
            } catch {
                return
            }
            do {
                _ = try await checkpointNow()
            } catch {
                // Cancelled mid-checkpoint (shutdown): the final checkpoint follows, so stop quietly.
                if Task.isCancelled { return }
                throw error
            }
        }
    }

    /// Signs the head now; nil if there is nothing new to sign.
    @discardableResult
    public func checkpointNow() async throws -> AuditCheckpoint? {
        let checkpoint = try await store.checkpoint(signer: signer, now: Date())
        if checkpoint != nil { made += 1 }
        return checkpoint
    }

    /// The checkpoint at shutdown: signs the final head so a later truncation is detected.
    @discardableResult
    public func finalCheckpoint() async throws -> AuditCheckpoint? {
        try await checkpointNow()
    }

    /// How many checkpoints this checkpointer has made.
    public var checkpointsMade: Int { made }
}
