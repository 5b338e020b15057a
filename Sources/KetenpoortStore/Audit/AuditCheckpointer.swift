import Foundation

/// Signs the audit tree head for the daemon: at start-up, every `interval`, every N records, and once more at shutdown.
///
/// Call ``checkpointNow()`` at start-up, ``run(every:everyRecords:poll:)`` in a task and cancel that task at shutdown,
/// then call ``finalCheckpoint()``.
public actor AuditCheckpointer {
    private let store: any MessageStore
    private let signer: any CheckpointSigner
    private var made: Int = 0
    /// The tree size of the newest head this checkpointer knows of.
    private var signedSize: Int64?

    /// Creates a checkpointer for `store` signing with `signer`.
    public init(store: any MessageStore, signer: any CheckpointSigner) {
        self.store = store
        self.signer = signer
    }

    /// Makes a checkpoint every `interval`, and (with `everyRecords`) as soon as that many records follow the last head,
    /// whichever comes first, until the surrounding task is cancelled. The record count is looked at every `poll`.
    /// While the database is unavailable (``StoreError/unavailable(_:)``) it waits and tries again; other errors end it.
    public func run(every interval: Duration, everyRecords: Int64? = nil, poll: Duration = .milliseconds(50)) async throws {
        let clock = ContinuousClock()
        var deadline = clock.now.advanced(by: interval)
        while !Task.isCancelled {
            let wait = everyRecords == nil ? deadline - clock.now : min(poll, deadline - clock.now)
            do {
                try await Task.sleep(for: max(wait, .zero))
            } catch {
                return
            }
            do {
                let countDue = try await enoughNewRecords(everyRecords)
                guard countDue || clock.now >= deadline else { continue }
                _ = try await checkpointNow()
                deadline = clock.now.advanced(by: interval)
            } catch {
                // Cancelled mid-checkpoint (shutdown): the final checkpoint follows, so stop quietly.
                if Task.isCancelled { return }
                guard case StoreError.unavailable = error else { throw error }
                unavailable += 1
                do { try await Task.sleep(for: .seconds(1)) } catch { return }
            }
        }
    }

    /// Whether at least `count` records follow the newest head (false without a count).
    private func enoughNewRecords(_ count: Int64?) async throws -> Bool {
        guard let count, count > 0 else { return false }
        let signed = try await currentSignedSize()
        return try await !store.auditRecords(afterSequence: signed + count - 1, limit: 1).isEmpty
    }

    private func currentSignedSize() async throws -> Int64 {
        if let signedSize { return signedSize }
        let size = try await store.checkpoints().last?.sequence ?? 0
        signedSize = size
        return size
    }

    /// Signs the head now; nil if there is nothing new to sign.
    @discardableResult
    public func checkpointNow() async throws -> AuditCheckpoint? {
        let checkpoint = try await store.checkpoint(signer: signer, now: Date())
        if let checkpoint {
            made += 1
            signedSize = checkpoint.sequence
        } else {
            // Signed already (e.g. by `audit checkpoint`): read the newest head again when next needed.
            signedSize = nil
        }
        return checkpoint
    }

    /// The checkpoint at shutdown: signs the final head so a later truncation is detected.
    @discardableResult
    public func finalCheckpoint() async throws -> AuditCheckpoint? {
        try await checkpointNow()
    }

    /// How many times the database was unavailable to the running checkpointer (each retried after a second).
    public private(set) var unavailable: Int = 0

    /// How many checkpoints this checkpointer has made.
    public var checkpointsMade: Int { made }
}
