import ArgumentParser
import Foundation
import KetenpoortCommandLine
import KetenpoortOperations
import KetenpoortPostgres
import KetenpoortServer
import KetenpoortStore

/// `ketenpoort store rotate-kek`: re-wraps the PostgreSQL store's payload data keys under a new key-encryption key.
struct StoreRotateKEKCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rotate-kek",
        abstract: "Re-wrap the payload data keys in PostgreSQL under a new key-encryption key.",
        discussion: HelpText.flowing("""
            Reads the current key-encryption key from the configuration's store.keyEncryptionKeyFile and the new one
            from --new-kek-file (created with 32 random bytes, mode 0600, if it does not exist). Every data key is
            re-wrapped in one transaction; payloads are not touched. Then put the new file on every node in place of
            the old one and restart or reload the nodes one by one; a node with the old file can no longer unwrap.
            With --new-data-key a new data key is also made and becomes the one that seals new payloads (older
            payloads keep opening with their own keys).

            Exit codes: 0 done, 2 the store or a key file cannot be read.

            Example:
              ketenpoort store rotate-kek --config /etc/ketenpoort/gateway.yaml \\
                  --new-kek-file /etc/ketenpoort/kek-2027.key
            """)
    )

    @Option(name: .customLong("config"), help: "The gateway configuration naming the PostgreSQL store and the current KEK file.")
    var configFile: String

    @Option(name: .customLong("new-kek-file"), help: "The new key-encryption key file (made if absent).")
    var newKEKFile: String

    @Flag(name: .customLong("new-data-key"), help: "Also make a new payload data key and seal new payloads with it.")
    var newDataKey = false

    func run() async throws {
        try await runOperatorCommand {
            let configuration: GatewayConfiguration
            do {
                configuration = try ConfigurationLoader.load(file: configFile)
            } catch {
                throw OperatorFailure.usage("cannot read the configuration \(configFile): \(error)")
            }
            guard let settings = configuration.postgresSettings, let oldFile = settings.keyEncryptionKeyFile else {
                throw OperatorFailure.usage("\(configFile) names no PostgreSQL store with a keyEncryptionKeyFile")
            }
            do {
                let old = try KeyEncryptionKey.read(file: oldFile)
                let new = FileManager.default.fileExists(atPath: newKEKFile)
                    ? try KeyEncryptionKey.read(file: newKEKFile) : try KeyEncryptionKey.create(file: newKEKFile)
                let store = try await PostgresStore.open(settings: settings, access: .readWrite, payloadKeys: true, logger: OperatorLog.quiet)
                let count = try await store.rotateKeyEncryptionKey(from: old, to: new, newDataKey: newDataKey)
                await store.shutdown()
                print("re-wrapped \(count) payload data key(s) from key-encryption key \(old.id) to \(new.id)"
                      + (newDataKey ? "; a new data key seals new payloads" : ""))
                print("next: install \(newKEKFile) as store.keyEncryptionKeyFile on every node")
            } catch {
                throw OperatorFailure.usage("\(error)")
            }
        }
    }
}
