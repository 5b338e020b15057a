import KetenpoortCore
import NIOConcurrencyHelpers

/// What intake admits by: the admission pipeline (schemas, routing table, senders, signer) and the revocation lists.
public struct IntakeRules: Sendable {
    /// Validates, authorises, routes and signs.
    public let pipeline: AdmissionPipeline
    /// Refuses revoked client certificates, when revocation lists are configured.
    public let revocation: RevocationChecker?

    /// Bundles the two.
    public init(pipeline: AdmissionPipeline, revocation: RevocationChecker?) {
        self.pipeline = pipeline
        self.revocation = revocation
    }

    /// The `sender` label of intake metrics: the OIN of a configured sender, else `unknown` (a certificate without an
    /// OIN, or an organisation that is not configured), so no outsider can add label values.
    public func senderLabel(_ oin: String?) -> String {
        guard let oin, pipeline.senders.knows(oin) else { return "unknown" }
        return oin
    }
}

/// The intake rules in force; a reload replaces them, and each request reads them once when it starts.
final class CurrentIntakeRules: Sendable {
    private let rules: NIOLockedValueBox<IntakeRules>

    init(_ rules: IntakeRules) {
        self.rules = NIOLockedValueBox(rules)
    }

    var current: IntakeRules {
        rules.withLockedValue { $0 }
    }

    func replace(with rules: IntakeRules) {
        self.rules.withLockedValue { $0 = rules }
    }
}
