import Foundation
import KetenpoortStore
import Logging
import ServiceLifecycle

/// Keeps a flood of refused requests from growing the audit chain: per sender and refusal code, the first refusal of
/// each interval is audited on its own; the rest are counted and audited as one summary record per sender when the
/// interval ends.
public actor RefusalTally {
    private struct Key: Hashable {
        let sender: String
        let code: String
    }

    private var counts: [Key: Int] = [:]
    private var windowStart: Date

    /// Creates an empty tally whose first interval starts at `now`.
    public init(now: Date = Date()) {
        windowStart = now
    }

    /// Counts one refusal; true when it is the first of its sender and code in this interval (audit it on its own).
    public func count(sender: String, code: String) -> Bool {
        let key = Key(sender: sender, code: code)
        let seen = counts[key, default: 0]
        counts[key] = seen + 1
        return seen == 0
    }

    /// The summary details of the interval that ends now (only senders with refusals not yet audited), and starts the next.
    ///
    /// Each detail is `sender=<OIN> count=<n> codes=<code>:<n>,… since=<ms>`, where the counts leave out the
    /// refusals that were audited on their own.
    public func close(now: Date) -> [String] {
        var bySender: [String: [(String, Int)]] = [:]
        for (key, total) in counts where total > 1 {
            bySender[key.sender, default: []].append((key.code, total - 1))
        }
        let since = Int64((windowStart.timeIntervalSince1970 * 1000).rounded())
        counts = [:]
        windowStart = now
        return bySender.keys.sorted().map { sender in
            let codes = (bySender[sender] ?? []).sorted { $0.0 < $1.0 }
            let count = codes.reduce(0) { $0 + $1.1 }
            let list = codes.map { "\($0.0):\($0.1)" }.joined(separator: ",")
            return "sender=\(sender) count=\(count) codes=\(list) since=\(since)"
        }
    }
}

/// Writes the refusal summaries every interval and once more at shutdown.
struct RefusalSummaryService: Service {
    let tally: RefusalTally
    let store: any MessageStore
    let interval: Duration
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await Task.sleep(for: interval)
                } catch {
                    break
                }
                await flush()
            }
        }
        await flush()
    }

    /// Audits the summaries of the interval that ends now.
    func flush() async {
        let now = Date()
        for detail in await tally.close(now: now) {
            do {
                try await store.record(event: .intakeRejected, messageId: "", partner: "", actor: .system,
                                       detail: detail + " summary=1", now: now)
            } catch {
                logger.error("refusal summary not audited", metadata: ["error": "\(type(of: error))"])
            }
        }
    }
}
