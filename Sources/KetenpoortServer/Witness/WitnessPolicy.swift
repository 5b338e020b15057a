import Foundation
import KetenpoortPKI

/// The gateway's `witnesses` configuration: where its signed tree heads are pushed, and how many must cosign.
public struct WitnessPolicy: Codable, Sendable {
    /// One witness, run by another organisation.
    public struct Endpoint: Codable, Sendable, Hashable {
        /// A name for logs, metrics, `audit status` and the cosignature table.
        public var name: String
        /// The witness's base URL, e.g. `https://witness.inspectie.example:8443` (the API is under `/v1/tree-heads`).
        public var url: String
        /// Client certificate, key and the CAs the witness must chain to (default: `courier.tls`).
        public var tls: TLSFiles?
        /// The witness's cosigning certificate (PEM); cosignatures that do not verify with it are not kept.
        public var cosignerCertificate: String

        /// Creates a witness entry.
        public init(name: String, url: String, tls: TLSFiles? = nil, cosignerCertificate: String) {
            self.name = name
            self.url = url
            self.tls = tls
            self.cosignerCertificate = cosignerCertificate
        }
    }

    /// How many witnesses must hold a head within `maxAgeSeconds` (default 1).
    public var required: Int?
    /// The witnesses.
    public var list: [Endpoint]
    /// Seconds a new head may wait for its cosignatures before that is an alert-worthy state (default 900).
    public var maxAgeSeconds: Int?
    /// Seconds between looks for a new head to push (default 5).
    public var pushIntervalSeconds: Double?

    /// Creates a policy.
    public init(required: Int? = nil, list: [Endpoint], maxAgeSeconds: Int? = nil, pushIntervalSeconds: Double? = nil) {
        self.required = required
        self.list = list
        self.maxAgeSeconds = maxAgeSeconds
        self.pushIntervalSeconds = pushIntervalSeconds
    }

    /// The quorum in force.
    public var effectiveRequired: Int { required ?? 1 }
    /// The maximum age in force.
    public var effectiveMaxAgeSeconds: Int { maxAgeSeconds ?? 900 }
    /// The push interval in force.
    public var effectivePushInterval: Double { pushIntervalSeconds ?? 5 }
}

extension ConfigurationCheck {
    /// Problems with the `witnesses` section: quorum, names, URLs, TLS files and cosigner certificates.
    public static func witnessProblems(_ configuration: GatewayConfiguration) -> [ConfigurationProblem] {
        guard let policy = configuration.witnesses else { return [] }
        var problems: [ConfigurationProblem] = []
        func add(_ key: String, _ text: String) { problems.append(ConfigurationProblem(key: key, problem: text)) }
        if policy.list.isEmpty { add("witnesses.list", "needs at least one witness, or leave witnesses out") }
        if !(1...max(1, policy.list.count)).contains(policy.effectiveRequired) {
            add("witnesses.required", "must be between 1 and the number of witnesses (\(policy.list.count))")
        }
        if policy.effectiveMaxAgeSeconds < 1 { add("witnesses.maxAgeSeconds", "must be at least 1") }
        if !(policy.effectivePushInterval > 0) { add("witnesses.pushIntervalSeconds", "must be positive") }
        if Set(policy.list.map(\.name)).count != policy.list.count { add("witnesses.list", "names must be unique") }
        for (index, witness) in policy.list.enumerated() {
            let key = "witnesses.list[\(index)]"
            if witness.name.isEmpty { add("\(key).name", "must not be empty") }
            if URL(string: witness.url)?.scheme != "https" { add("\(key).url", "must be an https URL") }
            do { _ = try CertificateKeyLoading.verifier(certificateFile: witness.cosignerCertificate) } catch {
                add("\(key).cosignerCertificate", "\(error)")
            }
            if let tls = witness.tls {
                do { _ = try TLSPolicy.client(tls) } catch { add("\(key).tls", "\(error)") }
            }
        }
        return problems
    }
}
