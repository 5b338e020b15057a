import Foundation
import Hummingbird
import KetenpoortCore
import KetenpoortPKI
import KetenpoortStore
import KetenpoortXML
import Logging
import ServiceLifecycle

/// The gateway daemon assembled from its configuration: intake, admin, dispatcher, checkpoints, retention.
public final class Gateway: Sendable {
    /// The configuration it runs with.
    public let configuration: GatewayConfiguration
    /// Its metrics.
    public let metrics: GatewayMetrics
    /// Its store.
    public let store: ConfiguredStore
    /// The claim on the state directory, taken before the store is opened.
    private let lock: StateDirectoryLock
    private let intake: IntakeHandler
    private let dispatcher: Dispatcher
    private let courier: CourierSwitch
    /// The intake listener's certificate for new connections (replaced by a reload).
    private let intakeTLS: ServerTLSContext
    /// Applies a reread configuration file whole, or refuses it.
    private let reloader: ConfigurationReloader
    private let checkpointer: AuditCheckpointer
    private let auditStartUp: AuditStartUp
    private let witnessPusher: WitnessPusher?
    private let logger: Logger
    private let owner: String
    /// Where the intake listener is bound, once running.
    public let intakePort = BoundPort()
    /// Where the admin listener is bound, once running.
    public let adminPort = BoundPort()

    /// Locks the state directory and opens (and migrates) its SQLite store, then builds every part; throws with a clear
    /// reason. A configuration with a PostgreSQL store needs ``open(configuration:logger:acceptBrokenAudit:)``.
    /// With `acceptBrokenAudit` it starts even when the audit store fails its start-up check (and audits that).
    public convenience init(configuration: GatewayConfiguration, logger: Logger, acceptBrokenAudit: Bool = false) throws {
        let lock = try Self.claimStateDirectory(configuration, logger: logger)
        guard configuration.postgresSettings == nil else {
            throw ConfigurationError([ConfigurationProblem(key: "store", problem: "a PostgreSQL store is opened with Gateway.open")])
        }
        let store = try SQLiteStore.open(stateDirectory: configuration.stateDirectory)
        try self.init(configuration: configuration, logger: logger, acceptBrokenAudit: acceptBrokenAudit, lock: lock, store: store)
    }

    /// Locks the state directory, opens (and migrates) the configured store, SQLite or PostgreSQL, and builds every part.
    public static func open(configuration: GatewayConfiguration, logger: Logger, acceptBrokenAudit: Bool = false) async throws -> Gateway {
        let lock = try claimStateDirectory(configuration, logger: logger)
        let store = try await StoreOpening.open(configuration, access: .migrate, payloadKeys: true, logger: logger)
        do {
            return try Gateway(configuration: configuration, logger: logger, acceptBrokenAudit: acceptBrokenAudit, lock: lock, store: store)
        } catch {
            await StoreOpening.close(store)
            throw error
        }
    }

    /// Checks the configuration, secures the state directory and takes its lock: only one gateway per directory.
    private static func claimStateDirectory(_ configuration: GatewayConfiguration, logger: Logger) throws -> StateDirectoryLock {
        let check = ConfigurationCheck(configuration)
        guard check.problems.isEmpty else { throw ConfigurationError(check.problems) }
        // The state directory is 0700 and the database files 0600 whatever the umask; the lock comes before the
        // store, so only the one gateway of this directory creates or migrates it.
        for repair in try StateDirectoryFiles.secure(configuration.stateDirectory) {
            logger.warning("state directory permissions repaired", metadata: [
                "file": "\(repair.path)", "from": "\(String(repair.from, radix: 8))", "to": "\(String(repair.to, radix: 8))",
            ])
        }
        return try StateDirectoryLock(directory: configuration.stateDirectory)
    }

    /// Builds every part around an opened store and the state directory's lock.
    private init(configuration: GatewayConfiguration, logger: Logger, acceptBrokenAudit: Bool, lock: StateDirectoryLock,
                 store: ConfiguredStore) throws {
        self.configuration = configuration
        self.logger = logger
        self.lock = lock
        self.store = store
        metrics = GatewayMetrics()
        let maxBytes = configuration.intake.maxMessageBytes ?? ReadLimits.standard.maxBytes
        let signingKeys = try SigningKeys(configuration.signing)
        let signer = signingKeys.messageSigner
        // Everything that can still fail comes before the courier: its HTTP client must be shut down once made.
        let checkpointSigner = signingKeys.checkpointSigner
        let checkpointVerifier = try SoftwareCheckpointVerifier(spkiDER: checkpointSigner.publicKeyDER)
        let (store, metrics) = (store, metrics)  // locals: the closure below may not capture self before init ends
        witnessPusher = try configuration.witnesses.map {
            try WitnessPusher(policy: $0, defaultTLS: configuration.courier.tls, store: store, metrics: metrics, logger: logger)
        }
        // The parts a reload replaces, built the same way then; the courier is made last inside.
        let parts = try ReloadableParts.build(configuration, signer: signer, logger: logger)
        let (routes, revocation, pipeline) = (parts.routes, parts.intakeRules.revocation, parts.intakeRules.pipeline)
        courier = CourierSwitch(parts.courier)
        intakeTLS = ServerTLSContext(parts.intakeTLS)
        let owner = LeaseOwner.forThisRun()
        self.owner = owner
        dispatcher = Dispatcher(store: store, transport: courier, partners: routes, retry: DeliveryRetryPolicy(configuration.retry),
                                owner: owner, logger: logger, metrics: metrics,
                                leaseDuration: TimeInterval(configuration.courier.leaseSeconds ?? 120))
        let dispatcher = dispatcher
        intake = IntakeHandler(pipeline: pipeline, store: store, retentionDays: configuration.retentionDays ?? [:], maxBytes: maxBytes,
                               logger: logger, metrics: metrics,
                               maxConcurrentRequests: configuration.intake.effectiveLimits.effectiveMaxConcurrentRequests,
                               revocation: revocation,
                               onAccepted: { dispatcher.wake() })
        reloader = ConfigurationReloader(running: configuration, signer: signer, store: store, logger: logger, intake: intake,
                                         dispatcher: dispatcher, courier: courier, intakeTLS: intakeTLS)
        checkpointer = AuditCheckpointer(store: store, signer: checkpointSigner)
        auditStartUp = AuditStartUp(store: store, verifier: checkpointVerifier, checkpointer: checkpointer,
                                    acceptBroken: acceptBrokenAudit, logger: logger)
    }

    /// Serves until SIGTERM/SIGINT (or `stop()`): stops intake first, then delivery, then writes a checkpoint.
    /// With `reloadFrom` (and `handleSignals`) each SIGHUP rereads that configuration file (see ``reload(configurationFile:)``).
    public func run(handleSignals: Bool = true, reloadFrom configurationFile: String? = nil) async throws {
        let descriptors = FileDescriptorLimit.raise()
        logger.info("open-file limit", metadata: ["soft": "\(descriptors.map(String.init) ?? "unknown")",
                                                  "needed": "\(configuration.intake.effectiveLimits.descriptorsNeeded)"])
        defer { lock.release() }
        do {
            try await auditStartUp.checkStore()
        } catch {
            await courier.shutdown()
            await intakePort.markStopped()
            await adminPort.markStopped()
            throw error as? GatewayPartFailure ?? GatewayPartFailure(part: AuditStartUp.part, reason: "\(error)")
        }
        do {
            if let membership = store as? any NodeMembership {
                // Shared store: other nodes may be sending right now; only a dead node's leases are returned.
                try await membership.heartbeat(owner: owner, host: ProcessInfo.processInfo.hostName)
            } else {
                try await reclaimLeasesOfEarlierRuns()
            }
        } catch {
            await courier.shutdown()
            await intakePort.markStopped()
            await adminPort.markStopped()
            throw GatewayPartFailure(part: "start-up", reason: "the leases of an earlier run cannot be read: \(error)")
        }
        do {
            try await auditStartUp.signStartHead()
        } catch {
            await courier.shutdown()
            await intakePort.markStopped()
            await adminPort.markStopped()
            throw GatewayPartFailure(part: "audit checkpoint at start-up", reason: "\(error)")
        }
        let router = Router(context: PeerRequestContext.self)
        intake.register(on: router)
        let intakePort = intakePort
        let adminPort = adminPort
        let intakeApp: MutualTLSApplication
        do {
            intakeApp = try makeMutualTLSServer(router: router, host: configuration.intake.host, port: configuration.intake.port,
                                                tls: configuration.intake.tls, logger: logger,
                                                limits: configuration.intake.effectiveLimits,
                                                observer: ConnectionObserver(listener: "intake", logger: logger, metrics: metrics),
                                                tlsContext: intakeTLS, onServerRunning: { port in await intakePort.resolve(port) })
        } catch {
            // The courier's HTTP client must be shut down before it is released.
            await courier.shutdown()
            await intakePort.markStopped()
            await adminPort.markStopped()
            throw GatewayPartFailure(part: "start-up", reason: "the intake listener cannot be set up: \(error)")
        }
        let reloader = reloader
        let adminApp = AdminServer.make(host: configuration.admin.host, port: configuration.admin.port, store: store, metrics: metrics,
                                        certificates: { Self.monitoredCertificates(reloader.current.withLockedValue { $0 }) },
                                        revocationLists: { [intake] in intake.revocationLists },
                                        logger: logger, onRunning: { port in await adminPort.resolve(port) })
        let interval = Duration.seconds(configuration.checkpointIntervalSeconds ?? 300)
        // Graceful shutdown runs in reverse order: intake stops first, the checkpoint is written last.
        // Any part that fails or ends stops them all; see GatewayLifecycle.
        var parts: [(name: String, service: any Service)] = [
            ("audit checkpoint service", CheckpointService(checkpointer: checkpointer, interval: interval,
                                                                everyRecords: (configuration.audit ?? AuditSettings()).effectiveCheckpointEveryRecords,
                                                                logger: logger)),
            ("retention service", RetentionService(store: store, interval: .seconds(600), logger: logger)),
            ("intake refusal summary", intake.refusalSummaryService(interval: .seconds(60))),
            ("dispatcher", dispatcher),
            ("admin listener on \(configuration.admin.host):\(configuration.admin.port)", adminApp),
            ("intake listener on \(configuration.intake.host):\(configuration.intake.port)", intakeApp),
        ]
        if let membership = store as? any NodeMembership, let settings = configuration.postgresSettings {
            // First, so it stops last: the node leaves the live nodes after its leases were returned.
            let dispatcher = dispatcher
            parts.insert(("node liveness", NodeLivenessService(
                membership: membership, owner: owner, host: ProcessInfo.processInfo.hostName,
                interval: .milliseconds(Int64(settings.heartbeatInterval * 1000)), deadAfter: settings.nodeDeadAfter, logger: logger,
                onReclaimed: { dispatcher.wake() })), at: 0)
        }
        if handleSignals, let configurationFile {
            // From now on a hang-up no longer ends the process, even before the reload service has started.
            signal(SIGHUP, SIG_IGN)
            let reloader = reloader
            parts.append(("configuration reload on SIGHUP", HangUpReloadService { _ = await reloader.reload(file: configurationFile) }))
        }
        // First in the list, so it stops last and pushes the shutdown checkpoint to the witnesses.
        if let witnessPusher { parts.insert(("witness pusher", witnessPusher), at: 0) }
        // In-flight deliveries may take a request timeout to finish; then shutdown escalates to cancellation.
        let gracefulShutdown = Duration.seconds((configuration.courier.requestTimeoutSeconds ?? 30) + 15)
        let group = ServiceGroup(configuration: GatewayLifecycle.groupConfiguration(
            parts: parts, gracefulShutdown: gracefulShutdown, handleSignals: handleSignals, logger: logger))
        await runningGroup.set(group)
        defer { Task { await courier.shutdown() } }
        do {
            try await group.run()
        } catch {
            await intakePort.markStopped()
            await adminPort.markStopped()
            throw GatewayLifecycle.failure(error)
        }
        await intakePort.markStopped()
        await adminPort.markStopped()
    }

    private let runningGroup = GroupHolder()

    /// The certificate files whose days left `/metrics` reports, by gauge name, as the configuration in force names
    /// them: our own, the partners' receipt certificates, and the CAs we trust for intake clients, partner servers,
    /// receipts and revocation lists.
    private static func monitoredCertificates(_ configuration: GatewayConfiguration) -> [(String, String)] {
        var certificates = [("signing", configuration.signing.certificate), ("intake-tls", configuration.intake.tls.certificate),
                            ("courier-tls", configuration.courier.tls.certificate)]
        for partner in configuration.partners {
            certificates += partner.signingCertificates.map { ("partner-\(partner.id)", $0) }
        }
        let authorities = [("intake-client-ca", configuration.intake.tls.trustedCAs), ("partner-server-ca", configuration.courier.tls.trustedCAs),
                           ("receipt-ca", configuration.courier.receiptTrustedCAs)]
        for (name, files) in authorities {
            certificates += files.enumerated().map { (index, file) in (index == 0 ? name : "\(name)-\(index + 1)", file) }
        }
        return certificates
    }

    /// The configuration in force: the one it started with, or the last one a reload applied.
    public var runningConfiguration: GatewayConfiguration {
        reloader.current.withLockedValue { $0 }
    }

    /// Queues again, due now, every delivery still leased by an earlier run (killed, so it sends nothing any more),
    /// instead of waiting for those leases to expire.
    private func reclaimLeasesOfEarlierRuns() async throws {
        let stale = try await store.allDeliveries(QueueFilter(states: [.sending]))
            .compactMap { delivery in delivery.leaseOwner.flatMap { $0 == owner ? nil : (delivery.id, $0) } }
        // Concurrently, so that the store commits them together instead of one fsync each. One that cannot be
        // reclaimed is logged and left to its lease expiry, as before; it does not keep the gateway from starting.
        let reclaimed = await withTaskGroup(of: Int.self) { group in
            for (id, previous) in stale {
                group.addTask {
                    do {
                        _ = try await self.store.reclaimLease(id, from: previous, now: Date())
                        return 1
                    } catch {
                        self.logger.error("lease not reclaimed", metadata: ["delivery": "\(id)", "error": "\(error)"])
                        return 0
                    }
                }
            }
            return await group.reduce(0, +)
        }
        if reclaimed > 0 {
            logger.notice("reclaimed deliveries leased by an earlier run", metadata: ["deliveries": "\(reclaimed)"])
        }
    }

    /// Rereads `configurationFile` and applies it whole, or refuses it and keeps the running configuration; audited as
    /// `config.reloaded`. Certificates, CRLs, partners, senders and the routing table change; listeners, state, store,
    /// signing key, timing and retention need a restart (a file that changes them is refused, naming them).
    public func reload(configurationFile: String) async -> ReloadOutcome {
        await reloader.reload(file: configurationFile)
    }

    /// Starts a graceful shutdown, as SIGTERM would; asked for during start-up, it takes effect once the services start.
    public func stop() async {
        await runningGroup.requestStop()
    }
}

/// Holds the running service group so `stop()` can reach it, and remembers a stop asked for before the group exists.
actor GroupHolder {
    private var group: ServiceGroup?
    private var stopRequested = false

    /// Records the group; if a stop was already asked for, the group shuts down as soon as it runs.
    func set(_ group: ServiceGroup) async {
        self.group = group
        if stopRequested { await group.triggerGracefulShutdown() }
    }

    /// Shuts the group down gracefully, now or as soon as it is set.
    func requestStop() async {
        stopRequested = true
        await group?.triggerGracefulShutdown()
    }
}

/// The gateway as one service inside a larger service group (dev mode, benchmarks): it stops when the group shuts down.
public struct GatewayService: Service {
    /// The gateway it runs.
    public let gateway: Gateway

    /// Wraps a gateway.
    public init(_ gateway: Gateway) {
        self.gateway = gateway
    }

    /// Runs the gateway until the surrounding group shuts down gracefully. Cancelling this task cancels the gateway's
    /// own service group (its run answers cancellation), so a group that escalates to cancellation is obeyed too.
    public func run() async throws {
        let gateway = gateway
        try await withGracefulShutdownHandler {
            try await gateway.run(handleSignals: false)
        } onGracefulShutdown: {
            Task { await gateway.stop() }
        }
    }
}
