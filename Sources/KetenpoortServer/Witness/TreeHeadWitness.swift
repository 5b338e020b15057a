import Crypto
import Foundation
import KetenpoortStore
import Logging

/// Why a witness refused a head (HTTP 422); each is logged at error level and counted as an alert.
public enum WitnessRefusalReason: String, Sendable, CaseIterable {
    /// The consistency proof does not show the held head is a prefix of the new one.
    case inconsistent
    /// The head is smaller than the latest head held for that key.
    case older
    /// A head of a size already witnessed, with another root: the gateway shows different logs to different parties.
    case splitView = "split-view"
    /// The signature does not verify with the configured key.
    case badSignature = "bad-signature"
}

/// What the witness decided about a submitted head.
public enum WitnessDecision: Sendable, Equatable {
    /// Accepted (now or before) and durably stored; the entry carries the cosignature. HTTP 200.
    case accepted(WitnessedEntry)
    /// `from_size` is not the size of the witness's latest head for that key, given here. HTTP 409.
    case staleFromSize(size: Int64, root: Data)
    /// Refused. HTTP 422.
    case refused(WitnessRefusalReason, detail: String)
    /// The head names a key this witness was not configured to accept. HTTP 403.
    case unknownKey
    /// The witness's store failed; nothing was stored. HTTP 503.
    case unavailable
}

/// A gateway signing key the witness accepts heads from.
public struct WitnessedGateway: Sendable {
    /// The configured name (logs, metrics, ledger).
    public let name: String
    /// Verifies the gateway's head signatures.
    public let verifier: any CheckpointVerifier

    /// Creates a gateway entry.
    public init(name: String, verifier: any CheckpointVerifier) {
        self.name = name
        self.verifier = verifier
    }

    /// SHA-256 of the key's SubjectPublicKeyInfo DER.
    public var keySHA256: Data { Data(SHA256.hash(data: verifier.publicKeyDER)) }
}

/// The witness's decision rule: accept a head only with a valid signature and a valid consistency proof from the last
/// head held for that key, store it durably, cosign it; refuse (and alert on) anything else.
///
/// Decisions are serialised by the actor and contain no suspension point, so two posts never race.
public actor TreeHeadWitness {
    /// The witness's name, written into cosignatures.
    public let name: String
    private let ledger: WitnessLedger
    private let signer: any CheckpointSigner
    private let gateways: [Data: WitnessedGateway]
    private let metrics: WitnessMetrics
    private let logger: Logger
    private let clock: @Sendable () -> Date

    /// Creates a witness over `ledger`, cosigning with `signer`, accepting heads of `gateways`' keys.
    public init(name: String, ledger: WitnessLedger, signer: any CheckpointSigner, gateways: [WitnessedGateway],
                metrics: WitnessMetrics, logger: Logger, clock: @escaping @Sendable () -> Date = { Date() }) {
        self.name = name
        self.ledger = ledger
        self.signer = signer
        self.gateways = Dictionary(gateways.map { ($0.keySHA256, $0) }, uniquingKeysWith: { first, _ in first })
        self.metrics = metrics
        self.logger = logger
        self.clock = clock
        for gateway in gateways {
            if let latest = try? ledger.latest(keySHA256: gateway.keySHA256) {
                metrics.witnessedSize(gateway: gateway.name, treeSize: latest.head.treeSize)
            }
        }
    }

    /// Decides about a submitted head; an accepted head is on disk before this returns.
    public func submit(_ submission: WitnessProtocol.Submission) -> WitnessDecision {
        let head = submission.head
        guard let gateway = gateways[head.keySHA256] else {
            logger.warning("witness: head signed by an unknown key", metadata: ["key_sha256": "\(head.keySHA256.hexString)"])
            return .unknownKey
        }
        guard head.rootHash.count == 32, head.treeSize >= 0, head.isValid(with: gateway.verifier) else {
            return refuse(.badSignature, gateway: gateway, head: head, detail: "the signature does not verify with the gateway key",
                          keep: false)
        }
        do {
            let sameSize = try ledger.entries(keySHA256: head.keySHA256, treeSize: head.treeSize)
            if let existing = sameSize.first(where: { $0.head == head }) { return .accepted(existing) }
            if let other = sameSize.first, other.head.rootHash != head.rootHash {
                return refuse(.splitView, gateway: gateway, head: head,
                              detail: "size \(head.treeSize) was witnessed with root \(other.head.rootHash.hexString), "
                                  + "this head has root \(head.rootHash.hexString)")
            }
            guard let latest = try ledger.latest(keySHA256: head.keySHA256) else {
                guard submission.fromSize == 0 else { return .staleFromSize(size: 0, root: MerkleHash.empty) }
                return try accept(head, gateway: gateway)
            }
            let held = latest.head
            if head.treeSize < held.treeSize {
                return refuse(.older, gateway: gateway, head: head,
                              detail: "size \(head.treeSize) is older than the witnessed size \(held.treeSize)")
            }
            if head.treeSize == held.treeSize { return try accept(head, gateway: gateway) }
            guard submission.fromSize == held.treeSize else { return .staleFromSize(size: held.treeSize, root: held.rootHash) }
            let consistent = held.treeSize == 0
                ? submission.consistency.isEmpty
                : MerkleProof.verifyConsistency(oldSize: Int(held.treeSize), oldRoot: held.rootHash, newSize: Int(head.treeSize),
                                                newRoot: head.rootHash, proof: submission.consistency)
            guard consistent else {
                return refuse(.inconsistent, gateway: gateway, head: head,
                              detail: "no valid consistency proof from witnessed size \(held.treeSize) to \(head.treeSize)")
            }
            return try accept(head, gateway: gateway)
        } catch {
            logger.error("witness: the ledger failed; head not accepted", metadata: ["error": "\(error)"])
            return .unavailable
        }
    }

    /// The latest head held for a gateway key, with its cosignature.
    public func latest(keySHA256: Data) throws -> WitnessedEntry? {
        try ledger.latest(keySHA256: keySHA256)
    }

    private func accept(_ head: SignedTreeHead, gateway: WitnessedGateway) throws -> WitnessDecision {
        let witnessed = Int64((clock().timeIntervalSince1970 * 1000).rounded(.down))
        let cosignature = try WitnessCosignature.sign(head, witness: name, witnessedMillis: witnessed, signer: signer)
        let entry = try ledger.append(gateway: gateway.name, head: head, cosignature: cosignature)
        metrics.accepted(gateway: gateway.name, treeSize: head.treeSize)
        logger.info("witness: head accepted", metadata: [
            "gateway": "\(gateway.name)", "tree_size": "\(head.treeSize)", "root_hash": "\(head.rootHash.hexString)",
        ])
        return .accepted(entry)
    }

    private func refuse(_ reason: WitnessRefusalReason, gateway: WitnessedGateway, head: SignedTreeHead, detail: String,
                        keep: Bool = true) -> WitnessDecision {
        metrics.alert(gateway: gateway.name, reason: reason.rawValue)
        logger.error("witness ALERT: tree head refused", metadata: [
            "gateway": "\(gateway.name)", "reason": "\(reason.rawValue)", "tree_size": "\(head.treeSize)", "detail": "\(detail)",
        ])
        if keep {
            // A validly signed but refused head is evidence against the gateway: keep it.
            do { try ledger.recordRefusal(gateway: gateway.name, head: head, reason: reason.rawValue, now: clock()) } catch {
                logger.error("witness: could not keep the refused head", metadata: ["error": "\(error)"])
            }
        }
        return .refused(reason, detail: detail)
    }
}
