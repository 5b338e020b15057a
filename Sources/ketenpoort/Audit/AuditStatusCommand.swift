import ArgumentParser
import Foundation
import KetenpoortCommandLine
import KetenpoortOperations
import KetenpoortServer
import KetenpoortStore

/// `ketenpoort audit status`: the latest signed tree head and, per witness, the latest size it cosigned and how old it is.
struct AuditStatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the latest signed tree head and, per witness, the latest witnessed size and its age.",
        discussion: HelpText.flowing("""
            Reads the store only. With --config, witnesses that never cosigned are listed too, and a head that
            waited longer than witnesses.maxAgeSeconds without the required number of witnesses is reported
            (exit 1): an alert-worthy state, though intake goes on.

            Example:
              ketenpoort audit status --config /etc/ketenpoort/gateway.yaml
            """)
    )

    @OptionGroup var state: StoreLocationOptions
    @OptionGroup var output: JSONOption

    /// One witness's line.
    struct WitnessLine: Encodable {
        var witness: String
        var witnessed_size: Int64
        var witnessed_at: String?
        var age_seconds: Double?
        var holds_latest_head: Bool
    }

    /// The whole status.
    struct Status: Encodable {
        var tree_size: Int64
        var latest_head_size: Int64?
        var latest_head_time: String?
        var witnesses: [WitnessLine]
        var required: Int?
        var quorum: Bool?
    }

    func run() async throws {
        try await runOperatorCommand {
            try await show()
        }
    }

    private func show() async throws {
        let configuration = try state.configuration()
        let store = try await state.open()
        defer { try? store.close() }
        let treeSize = try await store.auditHeadSequence()
        let head = try await store.latestTreeHead()
        let stored = try await store.latestCosignatures()
        let now = Date()
        var names = stored.map(\.witness)
        for witness in configuration?.witnesses?.list ?? [] where !names.contains(witness.name) { names.append(witness.name) }
        let lines = names.map { name -> WitnessLine in
            guard let cosigned = stored.first(where: { $0.witness == name }) else {
                return WitnessLine(witness: name, witnessed_size: 0, witnessed_at: nil, age_seconds: nil, holds_latest_head: false)
            }
            let at = Date(timeIntervalSince1970: Double(cosigned.cosignature.witnessedMillis) / 1000)
            return WitnessLine(witness: name, witnessed_size: cosigned.head.treeSize, witnessed_at: TimeText.json(at),
                               age_seconds: (now.timeIntervalSince(at) * 10).rounded() / 10, holds_latest_head: cosigned.head == head)
        }
        var status = Status(tree_size: treeSize, latest_head_size: head?.treeSize,
                            latest_head_time: head.map { TimeText.json(Date(timeIntervalSince1970: Double($0.timeMillis) / 1000)) ?? "" },
                            witnesses: lines)
        var late = false
        if let policy = configuration?.witnesses, let head {
            let waited = now.timeIntervalSince1970 - Double(head.timeMillis) / 1000
            let holding = lines.filter(\.holds_latest_head).count
            status.required = policy.effectiveRequired
            status.quorum = holding >= policy.effectiveRequired || waited <= Double(policy.effectiveMaxAgeSeconds)
            late = status.quorum == false
        }
        if output.json {
            try Output.json(status)
        } else {
            print(text(status, head: head, now: now))
        }
        if late { throw ExitCode(1) }
    }

    private func text(_ status: Status, head: SignedTreeHead?, now: Date) -> String {
        var out = "audit tree: \(status.tree_size) records"
        if let head {
            let age = now.timeIntervalSince1970 - Double(head.timeMillis) / 1000
            out += "; latest signed head: size \(head.treeSize), signed \(TimeText.duration(age)) ago"
        } else {
            out += "; no signed tree head yet"
        }
        guard !status.witnesses.isEmpty else { return out + "\nno witness has cosigned a head (witnesses: none configured or none reached)" }
        var table = TextTable(["WITNESS", "SIZE", "WITNESSED", "AGE", "HOLDS LATEST"], rightAligned: [1])
        for line in status.witnesses {
            table.add([line.witness, "\(line.witnessed_size)", line.witnessed_at ?? "never",
                       line.age_seconds.map { TimeText.duration($0) } ?? "-", line.holds_latest_head ? "yes" : "no"])
        }
        out += "\n" + table.render()
        if let required = status.required, let quorum = status.quorum {
            out += quorum ? "\nwitness quorum: met (\(required) required)"
                : "\nALERT: the latest head waited longer than witnesses.maxAgeSeconds without \(required) witness(es)"
        }
        return out
    }
}
