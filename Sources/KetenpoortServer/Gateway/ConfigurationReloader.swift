import Crypto
import Foundation
import KetenpoortStore
import KetenpoortXML
import Logging
import NIOConcurrencyHelpers

/// Rereads the configuration file of a running gateway and applies it whole or not at all: the new file is checked
/// fully and every new part is built off to the side; only when all of that succeeds are intake rules, partner routes,
/// the courier and the intake certificate swapped in. Requests and deliveries in flight finish with what they started
/// with. Every attempt is audited as `config.reloaded` with the file's SHA-256 and logged in one line.
actor ConfigurationReloader {
    private var running: GatewayConfiguration {
        didSet { current.withLockedValue { [running] in $0 = running } }
    }
    /// The configuration in force, readable without waiting for a reload to finish.
    nonisolated let current: NIOLockedValueBox<GatewayConfiguration>
    private var runningFingerprint: [String: Data]
    private let signer: XMLSigner
    private let store: any MessageStore
    private let logger: Logger
    private let intake: IntakeHandler
    private let dispatcher: Dispatcher
    private let courier: CourierSwitch
    private let intakeTLS: ServerTLSContext

    init(running: GatewayConfiguration, signer: XMLSigner, store: any MessageStore, logger: Logger, intake: IntakeHandler,
         dispatcher: Dispatcher, courier: CourierSwitch, intakeTLS: ServerTLSContext) {
        self.running = running
        current = NIOLockedValueBox(running)
        runningFingerprint = ReloadPlan.fingerprint(running)
        self.signer = signer
        self.store = store
        self.logger = logger
        self.intake = intake
        self.dispatcher = dispatcher
        self.courier = courier
        self.intakeTLS = intakeTLS
    }

    /// Reads `file`, checks it, and applies it or refuses it; audits and logs the outcome either way.
    func reload(file: String) async -> ReloadOutcome {
        let outcome: ReloadOutcome
        var retired: Courier?
        if let data = FileManager.default.contents(atPath: file) {
            let sha256 = SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
            do {
                let (changes, replaced) = try apply(data, file: file)
                outcome = .applied(sha256: sha256, changes: changes)
                retired = replaced
            } catch let error as ConfigurationError {
                outcome = .refused(sha256: sha256, reason: error.problems.map(\.description).joined(separator: "; "))
            } catch {
                outcome = .refused(sha256: sha256, reason: "\(error)")
            }
        } else {
            outcome = .refused(sha256: "none", reason: "cannot read \(file)")
        }
        if outcome.applied {
            logger.notice("configuration reloaded", metadata: ["sha256": "\(outcome.sha256)",
                                                              "changes": "\(outcome.changes.joined(separator: ","))"])
        } else {
            logger.error("configuration reload refused; the running configuration stays",
                         metadata: ["sha256": "\(outcome.sha256)", "reason": "\(outcome.refusal ?? "")"])
        }
        do {
            try await store.record(event: .configReloaded, messageId: "", partner: "", actor: .system, detail: outcome.auditDetail,
                                   now: Date())
        } catch {
            logger.error("audit record not written", metadata: ["event": "\(AuditEvent.configReloaded.rawValue)", "error": "\(type(of: error))"])
        }
        // The courier that was replaced closes once its deliveries in flight are done (now, when there are none).
        if let retired { await retired.shutdown() }
        return outcome
    }

    /// Checks and builds everything, then swaps it in without suspending; returns what changed and the courier to close.
    private func apply(_ data: Data, file: String) throws -> (changes: [String], retired: Courier?) {
        let next = try ConfigurationLoader.decode(String(decoding: data, as: UTF8.self),
                                                  baseDirectory: URL(fileURLWithPath: file).deletingLastPathComponent())
        let check = ConfigurationCheck(next)
        guard check.problems.isEmpty else { throw ConfigurationError(check.problems) }
        for warning in check.warnings {
            logger.warning("the reloaded configuration works but deserves attention",
                           metadata: ["key": "\(warning.key)", "problem": "\(warning.problem)"])
        }
        let restartOnly = ReloadPlan.restartOnlyChanges(from: running, to: next)
        guard restartOnly.isEmpty else {
            throw ReloadRefusal("these keys change only with a restart: \(restartOnly.joined(separator: ", "))")
        }
        let fingerprint = ReloadPlan.fingerprint(next)
        let parts = try ReloadableParts.build(next, signer: signer, logger: logger)
        // From here nothing can fail: every part is in place before the next request or delivery starts.
        intakeTLS.replace(with: parts.intakeTLS)
        intake.replaceRules(with: parts.intakeRules)
        let retired = courier.replace(with: parts.courier)
        dispatcher.replacePartners(parts.routes)
        let changes = ReloadPlan.changes(from: runningFingerprint, to: fingerprint)
        running = next
        runningFingerprint = fingerprint
        return (changes, retired)
    }
}

/// Why a reload was refused when the new configuration is valid on its own but cannot be applied to the running one.
struct ReloadRefusal: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}
