import ArgumentParser
import Foundation
import KetenpoortStore

/// `ketenpoort audit checkpoint`: signs the current chain head with the gateway's signing key.
struct AuditCheckpointCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkpoint",
        abstract: "Sign the audit chain head now (the daemon does this at an interval and at shutdown)."
    )

    @OptionGroup var state: StateDirectoryOption

    @Option(name: .customLong("key"), help: "The gateway signing private key (PEM: PKCS#8, RSA or EC).")
    var keyPath: String

    /// Makes a checkpoint, or says that the head is already checkpointed.
    func run() async throws {
        let signer = try SoftwareCheckpointSigner(pemFile: keyPath)
        let store = try SQLiteStore.openWithoutKeys(stateDirectory: state.stateDirectory)
        defer { try? store.close() }
        if let checkpoint = try await store.checkpoint(signer: signer, now: Date()) {
            print("checkpoint \(checkpoint.id): record \(checkpoint.sequence) signed (\(checkpoint.algorithm))")
        } else {
            print("nothing to sign: the chain is empty or its head is already checkpointed")
        }
    }
}
