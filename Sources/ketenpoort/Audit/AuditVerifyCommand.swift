import ArgumentParser
import Foundation
import KetenpoortCommandLine
import KetenpoortOperations
import KetenpoortStore

/// `ketenpoort audit verify`: checks every audit record and checkpoint; exit 1 if anything is broken.
struct AuditVerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify the audit hash chain and its signed checkpoints (exit 1 if broken).",
        discussion: HelpText.flowing("""
            Exit codes: 0 intact, 1 broken (the first bad record or checkpoint is named), 2 no usable store or key.

            Examples:
              ketenpoort audit verify --config /etc/ketenpoort/gateway.yaml
              ketenpoort audit verify --state-dir /var/lib/ketenpoort \\
                  --cert /etc/ketenpoort/pki/gateway-sign.pem
            """)
    )

    @OptionGroup var state: StoreLocationOptions

    @Option(name: .customLong("cert"),
            help: "The gateway signing certificate (PEM) that signed the checkpoints (default with --config: its signing.certificate).")
    var certificate: String?

    @Option(name: .customLong("public-key"), help: "The gateway signing public key (PEM SubjectPublicKeyInfo).")
    var publicKey: String?

    @Option(help: "A witness's base URL: fail if the local tree is shorter than, or rewritten below, its latest head.")
    var witness: String?

    @Option(help: "An `audit export` file kept elsewhere: fail if the local tree does not extend its tree heads.")
    var against: String?

    @Option(name: .customLong("tls-cert"), help: "With --witness: PEM client certificate (default with --config: courier.tls).")
    var tlsCertificate: String?

    @Option(name: .customLong("tls-key"), help: "With --witness: PEM private key of --tls-cert.")
    var tlsKey: String?

    @Option(name: .customLong("tls-ca"), help: "With --witness: PEM CA certificate(s) the witness must chain to (repeatable).")
    var tlsCAs: [String] = []

    @Flag(name: .customLong("state"), help: "Also replay the trail and compare it with the deliveries and messages tables.")
    var checkState = false

    /// Verifies the chain, printing the first broken record or a summary.
    func run() async throws {
        try await runOperatorCommand {
            try await verify()
        }
    }

    private func verify() async throws {
        var certificatePath = certificate
        if certificatePath == nil, publicKey == nil, let configuration = try state.configuration() {
            certificatePath = configuration.signing.certificate
        }
        let verifier: SoftwareCheckpointVerifier
        do {
            verifier = try PublicKeyLoading.verifier(certificatePath: certificatePath, publicKeyPath: publicKey)
        } catch {
            throw OperatorFailure.usage("\(error)")
        }
        let store = try await state.open()
        defer { try? store.close() }
        let total = try await store.auditHeadSequence()
        let progress = ProgressLine(enabled: total > 0)
        let report = try await store.verifyAuditChain(verifier: verifier) { checked in
            progress.show("verifying: \(checked) / \(total) records (\(total > 0 ? checked * 100 / total : 100)%)")
        }
        progress.finish()
        if let broken = report.firstBreak {
            let checkpoint = broken.checkpointId.map { " (checkpoint \($0))" } ?? ""
            print("BROKEN: first broken record \(broken.sequence)\(checkpoint): \(broken.rule): \(broken.explanation)")
            print("checked \(report.recordCount) records before the break; \(report.checkpointCount) checkpoints")
            throw ExitCode(1)
        }
        try await compareWithHeadsElsewhere(store: store, verifier: verifier)
        try await verifyState(store: store)
        let head = report.headHash.hexString
        print("OK: \(report.recordCount) records, \(report.checkpointCount) checkpoints verified; head \(head)")
        if let treeHead = try await store.latestTreeHead() {
            print("latest signed tree head: size \(treeHead.treeSize), root \(treeHead.rootHash.hexString) (recomputed from the records)")
        }
        if report.checkpointCount == 0 {
            print("warning: no checkpoints; truncation of the chain cannot be detected")
        }
    }
}
