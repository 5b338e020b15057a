import ArgumentParser
import Foundation
import KetenpoortCommandLine
import KetenpoortOperations
import KetenpoortStore

/// `ketenpoort trail ID`: a message's whole life from the audit chain, with those records verified.
struct TrailCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trail",
        abstract: "Show a message's life from the audit chain (accepted, attempts, delivered, purged), verified.",
        discussion: HelpText.flowing("""
            Each record's hash is recomputed and its links to the records before and after it in the chain are
            checked; `ketenpoort audit verify` checks the whole chain and the checkpoint signatures.
            With --proof: each record's RFC 9162 inclusion proof in the latest signed tree head, verified before it is
            shown (the head's signature too, with --config).
            Exit codes: 0 shown and verified, 1 no records for this id or a record does not verify, 2 usage/store.
            Examples:
              ketenpoort trail 1495dfa4-7a87-45a9-993a-4341b82f1d5f \\
                  --state-dir /var/lib/ketenpoort
              ketenpoort trail 1495dfa4-7a87-45a9-993a-4341b82f1d5f --config gateway.yaml \\
                  --json
              ketenpoort trail 1495dfa4-7a87-45a9-993a-4341b82f1d5f --config gateway.yaml \\
                  --proof
            """)
    )

    @Argument(help: "The message id (BerichtId).")
    var messageId: String

    @OptionGroup var location: StoreLocationOptions
    @OptionGroup var output: JSONOption

    @Flag(help: "Show each record's inclusion proof in the latest signed tree head (verified).")
    var proof = false

    private struct RecordJSON: Encodable {
        var seq: Int64
        var time: String?
        var event: String
        var partner: String
        var actor: String
        var detail: String
        var hash: String
    }

    private struct TrailJSON: Encodable {
        var message_id: String
        var records: [RecordJSON]
        var verification: TrailVerification
        var inclusion: TrailProofs?
    }

    /// Prints the trail and the verification; exit 1 when empty or broken.
    func run() async throws {
        try await runOperatorCommand {
            let store = try await location.open()
            defer { try? store.close() }
            let trail = try await store.auditTrail(messageId: messageId)
            guard !trail.isEmpty else {
                throw OperatorFailure.refused("the audit trail holds no records for message \(messageId)")
            }
            let verification = try await TrailVerification.verify(trail, in: store)
            let proofs = proof
                ? try await TrailProofs.make(trail, store: store, verifier: try headVerifier(), cosignatures: try await store.latestCosignatures())
                : nil
            if proof && proofs == nil {
                throw OperatorFailure.refused("there is no signed tree head yet to prove the records in")
            }
            if output.json {
                try Output.json(TrailJSON(message_id: messageId, records: trail.map { record in
                    RecordJSON(seq: record.sequence, time: TimeText.json(record.time), event: record.event,
                               partner: record.partner, actor: record.actor, detail: record.detail,
                               hash: record.hash.hexString)
                }, verification: verification, inclusion: proofs))
            } else {
                var table = TextTable(["SEQ", "TIME", "EVENT", "PARTNER", "ACTOR", "DETAIL"], rightAligned: [0])
                for record in trail {
                    table.add([String(record.sequence), TimeText.time(record.time), record.event,
                               record.partner.isEmpty ? "-" : record.partner, record.actor, record.detail])
                }
                Output.text(table.render())
                if verification.problem == nil {
                    let checkpoint = verification.checkpointed_through.map { "; \(verification.records_checkpointed) covered by the checkpoint of record \($0)" }
                        ?? "; no checkpoint yet"
                    Output.text("verified: \(verification.records_checked) record(s) hash and link into the chain\(checkpoint)")
                }
                proofs.map { Output.text($0.lines.joined(separator: "\n")) }
            }
            if let problem = verification.problem {
                throw OperatorFailure.refused("the trail of message \(messageId) does not verify: \(problem)")
            }
        }
    }

    /// The signing certificate's key from --config, to check the tree head's signature; nil without --config.
    private func headVerifier() throws -> (any CheckpointVerifier)? {
        guard let configuration = try location.configuration() else { return nil }
        do {
            return try PublicKeyLoading.verifier(certificatePath: configuration.signing.certificate, publicKeyPath: nil)
        } catch {
            throw OperatorFailure.usage("\(error)")
        }
    }
}
