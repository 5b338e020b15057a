import ArgumentParser
import Foundation
import KetenpoortCommandLine
import KetenpoortOperations
import KetenpoortServer
import KetenpoortStore

/// `ketenpoort audit checkpoint`: signs the current chain head with the gateway's signing key.
struct AuditCheckpointCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkpoint",
        abstract: "Sign the audit chain head now (the daemon does this at an interval and at shutdown).",
        discussion: HelpText.flowing("""
            Example:
              ketenpoort audit checkpoint --config /etc/ketenpoort/gateway.yaml
            """)
    )

    @OptionGroup var state: StoreLocationOptions

    @Option(name: .customLong("key"),
            help: "The gateway signing private key (PEM: PKCS#8, RSA or EC; default with --config: its signing.privateKey or signing.pkcs11).")
    var keyPath: String?

    /// Makes a checkpoint, or says that the head is already checkpointed.
    func run() async throws {
        try await runOperatorCommand {
            try await makeCheckpoint()
        }
    }

    private func makeCheckpoint() async throws {
        let signer: any CheckpointSigner
        if let keyPath {
            signer = try SoftwareCheckpointSigner(pemFile: keyPath)
        } else if let signing = try state.configuration()?.signing {
            signer = try SigningKeys(signing).checkpointSigner  // its key file, or its key in a PKCS#11 token
        } else {
            throw OperatorFailure.usage("give --key (the gateway signing key) or --config")
        }
        let store = try await state.open(access: .readWrite)
        defer { try? store.close() }
        if let checkpoint = try await store.checkpoint(signer: signer, now: Date()) {
            let root = checkpoint.treeHead.map { ", tree size \($0.treeSize), root \($0.rootHash.hexString)" } ?? ""
            print("checkpoint \(checkpoint.id): record \(checkpoint.sequence) signed (\(checkpoint.format), \(checkpoint.algorithm)\(root))")
        } else {
            print("nothing to sign: the chain is empty or its head is already checkpointed")
        }
    }
}
