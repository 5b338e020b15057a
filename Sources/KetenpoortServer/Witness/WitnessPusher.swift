import Foundation
import KetenpoortStore
import Logging
import ServiceLifecycle

/// Pushes every new signed tree head of the gateway to its witnesses, keeps their verified cosignatures, and reports
/// (metrics, alert log lines) when too few witnesses hold a head in time. It never stops intake: a witness that is
/// down or refuses is logged, counted and retried with backoff.
public struct WitnessPusher: Service {
    /// One configured witness.
    struct Target: Sendable {
        let name: String
        let url: String
        let tls: TLSFiles
        let cosigner: SoftwareCheckpointVerifier
    }

    /// What the pusher knows about one witness.
    struct Progress: Sendable {
        /// The size of the witness's latest head, as far as known (the next `from_size`).
        var size: Int64 = 0
        /// The latest head the witness cosigned.
        var held: SignedTreeHead?
        /// Consecutive failures, for the backoff.
        var failures = 0
        /// No attempt before this.
        var nextAttempt = Date.distantPast
    }

    /// The pusher's memory between rounds.
    struct PushState: Sendable {
        /// Per witness name.
        var progress: [String: Progress] = [:]
        /// The head last alerted on as not witnessed in time (one alert line per head).
        var alerted: SignedTreeHead?
    }

    private let policy: WitnessPolicy
    private let targets: [Target]
    private let heads: any MessageStore
    private let cosignatures: any WitnessCosignatureStore
    private let metrics: WitnessPushMetrics
    private let logger: Logger

    /// Checks every witness's TLS files and cosigner certificate; `store` must also keep cosignatures.
    public init(policy: WitnessPolicy, defaultTLS: TLSFiles, store: any MessageStore, metrics: GatewayMetrics, logger: Logger) throws {
        guard let cosignatures = store as? any WitnessCosignatureStore else {
            throw WitnessConfigurationError(file: "configuration", problems: ["witnesses: this store cannot keep cosignatures"])
        }
        self.policy = policy
        self.heads = store
        self.cosignatures = cosignatures
        self.metrics = WitnessPushMetrics(metrics)
        self.logger = logger
        targets = try policy.list.map { witness in
            let tls = witness.tls ?? defaultTLS
            _ = try TLSPolicy.client(tls)
            return Target(name: witness.name, url: witness.url, tls: tls,
                          cosigner: try CertificateKeyLoading.verifier(certificateFile: witness.cosignerCertificate))
        }
    }

    /// Pushes until graceful shutdown, then makes one last round (for the shutdown checkpoint).
    public func run() async throws {
        var clients: [String: WitnessClient] = [:]
        for target in targets {
            do { clients[target.name] = try WitnessClient(baseURL: target.url, tls: target.tls) } catch {
                logger.error("witness client not created", metadata: ["witness": "\(target.name)", "error": "\(error)"])
            }
        }
        var initial = PushState()
        do {
            for stored in try await cosignatures.latestCosignatures() {
                initial.progress[stored.witness] = Progress(size: stored.head.treeSize, held: stored.head)
            }
        } catch {
            logger.error("stored witness cosignatures not readable", metadata: ["error": "\(error)"])
        }
        let interval = Duration.milliseconds(Int64(policy.effectivePushInterval * 1000))
        let ready = clients
        let start = initial
        let pusher = self
        let final = await cancelWhenGracefulShutdown { () async -> PushState in
            var state = start
            while !Task.isCancelled {
                state = await pusher.round(state, clients: ready)
                do { try await Task.sleep(for: interval) } catch { break }
            }
            return state
        }
        // The shutdown checkpoint is written before this service stops: give it once, now, to the witnesses that
        // answered last time (one that is down would only delay the shutdown by its timeout).
        let answering = ready.filter { (final.progress[$0.key]?.failures ?? 0) == 0 }
        _ = await Task { await pusher.round(final, clients: answering, ignoreBackoff: true) }.value
        for client in clients.values { await client.shutdown() }
    }

    /// One pass: reads the latest head, pushes it to each witness that lacks it and is due, updates metrics.
    func round(_ state: PushState, clients: [String: WitnessClient], ignoreBackoff: Bool = false) async -> PushState {
        let head: SignedTreeHead?
        do { head = try await heads.latestTreeHead() } catch {
            logger.error("latest tree head not readable; witnesses not updated", metadata: ["error": "\(error)"])
            return state
        }
        var updated = state
        if let head {
            let now = Date()
            let progress = state.progress
            updated.progress = await withTaskGroup(of: (String, Progress).self) { group in
                for target in targets {
                    let current = progress[target.name] ?? Progress()
                    guard let client = clients[target.name], current.held != head,
                          ignoreBackoff || current.nextAttempt <= now else {
                        group.addTask { (target.name, current) }
                        continue
                    }
                    group.addTask { (target.name, await push(head, to: target, client: client, progress: current)) }
                }
                var result: [String: Progress] = [:]
                for await (name, value) in group { result[name] = value }
                return result
            }
        }
        report(head: head, state: &updated)
        return updated
    }

    /// Posts `head` to one witness, following 409 answers to the witness's size; returns the new progress.
    private func push(_ head: SignedTreeHead, to target: Target, client: WitnessClient, progress: Progress) async -> Progress {
        var progress = progress
        var fromSize = progress.size
        do {
            for _ in 0..<3 {
                let proof = fromSize > 0 && fromSize < head.treeSize
                    ? try await heads.consistencyProof(oldSize: fromSize, newSize: head.treeSize) : []
                switch try await client.post(.init(head: head, fromSize: fromSize, consistency: proof)) {
                case .cosigned(let answer):
                    guard answer.head == head, answer.cosignature.isValid(for: head, with: target.cosigner) else {
                        logger.error("witness cosignature does not verify with its configured certificate; not kept",
                                     metadata: ["witness": "\(target.name)", "tree_size": "\(head.treeSize)"])
                        return failed(progress, target: target)
                    }
                    try await cosignatures.recordCosignature(witness: target.name, head: head, cosignature: answer.cosignature, now: Date())
                    logger.info("tree head witnessed", metadata: ["witness": "\(target.name)", "tree_size": "\(head.treeSize)"])
                    progress.size = head.treeSize
                    progress.held = head
                    progress.failures = 0
                    progress.nextAttempt = .distantPast
                    return progress
                case .staleFromSize(let size):
                    logger.notice("witness holds another size; proving from it", metadata: [
                        "witness": "\(target.name)", "witness_size": "\(size)", "tree_size": "\(head.treeSize)",
                    ])
                    fromSize = size
                    progress.size = size
                case .refused(let status, let refusal):
                    metrics.refused(witness: target.name, reason: refusal.error)
                    logger.error("witness ALERT: the witness refused the gateway's tree head", metadata: [
                        "witness": "\(target.name)", "status": "\(status)", "reason": "\(refusal.error)",
                        "detail": "\(refusal.detail ?? "")", "tree_size": "\(head.treeSize)",
                    ])
                    return failed(progress, target: target, count: false)
                }
            }
        } catch {
            logger.warning("witness push failed; retrying with backoff", metadata: [
                "witness": "\(target.name)", "error": "\(error)", "failures": "\(progress.failures + 1)",
            ])
        }
        return failed(progress, target: target)
    }

    private func failed(_ progress: Progress, target: Target, count: Bool = true) -> Progress {
        var progress = progress
        if count { metrics.failed(witness: target.name) }
        progress.failures += 1
        let delay = min(300, pow(2, Double(min(progress.failures, 9)) - 1))
        progress.nextAttempt = Date().addingTimeInterval(delay)
        return progress
    }

    /// Sets size, age and quorum; logs once per head when it waits longer than `maxAgeSeconds` without a quorum.
    private func report(head: SignedTreeHead?, state: inout PushState) {
        let maxAge = Double(policy.effectiveMaxAgeSeconds)
        var inTime = 0
        for target in targets {
            let current = state.progress[target.name] ?? Progress()
            metrics.size(witness: target.name, current.size)
            var waited = 0.0
            if let head, current.held != head {
                waited = max(0, Date().timeIntervalSince1970 - Double(head.timeMillis) / 1000)
            }
            metrics.age(witness: target.name, seconds: waited)
            if waited <= maxAge { inTime += 1 }
        }
        let met = inTime >= policy.effectiveRequired
        metrics.quorum(met)
        if !met, let head, state.alerted != head {
            state.alerted = head
            logger.error("witness ALERT: tree head not witnessed in time (intake continues)", metadata: [
                "tree_size": "\(head.treeSize)", "required": "\(policy.effectiveRequired)", "in_time": "\(inTime)",
                "max_age_seconds": "\(policy.effectiveMaxAgeSeconds)",
            ])
        } else if met, state.alerted != nil {
            state.alerted = nil
            logger.notice("witness quorum restored")
        }
    }
}
