import Foundation
import KetenpoortOperations
import KetenpoortServer
import KetenpoortStore

extension AuditVerifyCommand {
    /// With `--witness` and/or `--against`: compares the local tree with the heads held there; prints one line per
    /// source and throws exit 1 (after printing every finding) if the local tree was truncated or rewritten.
    func compareWithHeadsElsewhere(store: ConfiguredStore, verifier: any CheckpointVerifier) async throws {
        guard witness != nil || against != nil else { return }
        let key = WitnessedHeadComparison.keySHA256(of: verifier)
        let localSize = try await store.auditHeadSequence()
        var findings: [String] = []
        if let url = witness {
            findings += try await compareWithWitness(url, key: key, verifier: verifier, store: store, localSize: localSize)
        }
        if let export = against {
            findings += try await compareWithExport(export, key: key, verifier: verifier, store: store, localSize: localSize)
        }
        guard findings.isEmpty else {
            for line in findings { print(line) }
            throw OperatorFailure.refused("the local audit tree is not the tree that was witnessed or exported")
        }
    }

    private func compareWithWitness(_ url: String, key: Data, verifier: any CheckpointVerifier, store: any MessageStore,
                                    localSize: Int64) async throws -> [String] {
        let client = try WitnessClient(baseURL: url, tls: try witnessTLS())
        let latest: WitnessProtocol.Cosigned?
        do {
            latest = try await client.latest(keySHA256: key)
            await client.shutdown()
        } catch {
            await client.shutdown()
            throw OperatorFailure.usage("cannot read the witness at \(url): \(error)")
        }
        guard let held = latest else {
            print("warning: the witness at \(url) holds no head of this gateway's key; nothing to compare")
            return []
        }
        guard held.head.isValid(with: verifier) else {
            return ["BROKEN: the witness at \(url) answered with a head that this gateway's key did not sign"]
        }
        let outcome = try await WitnessedHeadComparison.compare(held.head, with: store, localSize: localSize)
        if let finding = WitnessedHeadComparison.finding(outcome, source: "witness \(held.cosignature.witness) (\(url))") {
            return [finding]
        }
        print("witness \(held.cosignature.witness): the local tree extends its head of size \(held.head.treeSize)")
        return []
    }

    private func compareWithExport(_ path: String, key: Data, verifier: any CheckpointVerifier, store: any MessageStore,
                                   localSize: Int64) async throws -> [String] {
        let heads = try WitnessedHeadComparison.heads(inExport: path).filter { $0.keySHA256 == key }
        guard !heads.isEmpty else { throw OperatorFailure.usage("\(path) has no tree heads signed by this gateway's key") }
        var findings: [String] = []
        for head in heads.sorted(by: { $0.treeSize < $1.treeSize }) {
            guard head.isValid(with: verifier) else {
                findings.append("BROKEN: the head of size \(head.treeSize) in \(path) does not verify with this gateway's key")
                continue
            }
            let outcome = try await WitnessedHeadComparison.compare(head, with: store, localSize: localSize)
            if let finding = WitnessedHeadComparison.finding(outcome, source: "the export \(path)") {
                findings.append(finding)
                break
            }
        }
        if findings.isEmpty {
            print("export \(path): the local tree extends all \(heads.count) of its heads (largest size \(heads.map(\.treeSize).max() ?? 0))")
        }
        return findings
    }

    /// The client TLS files for the witness: `--tls-cert/--tls-key/--tls-ca`, else the configuration's `courier.tls`.
    private func witnessTLS() throws -> TLSFiles {
        if let cert = tlsCertificate, let key = tlsKey, !tlsCAs.isEmpty {
            return TLSFiles(certificate: cert, privateKey: key, trustedCAs: tlsCAs)
        }
        if tlsCertificate == nil, tlsKey == nil, tlsCAs.isEmpty, let configuration = try state.configuration() {
            return configuration.courier.tls
        }
        throw OperatorFailure.usage("--witness needs --tls-cert, --tls-key and --tls-ca (or --config, whose courier.tls is used)")
    }
}
