import ArgumentParser
import Foundation
import KetenpoortCommandLine
import KetenpoortOperations
import KetenpoortPostgres
import KetenpoortServer
import KetenpoortStore

/// `ketenpoort store`: maintenance of the store itself.
struct StoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Maintain the gateway's store.",
        subcommands: [StoreMigrateCommand.self, StoreBackupCommand.self, StoreCopyCommand.self, StoreRotateKEKCommand.self]
    )
}

/// `ketenpoort store migrate`: creates the store or brings its schema up to this build, as `serve` does at start.
struct StoreMigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Create the store or apply this build's schema migrations to it.",
        discussion: HelpText.flowing("""
            Takes the state directory's lock first, so it never runs beside a gateway. Operator commands never
            migrate: they refuse a store whose schema differs from their own build's. Exit codes: 0 done,
            2 the store cannot be opened or migrated (another gateway runs, a newer ketenpoort wrote it, …).

            With a PostgreSQL store (`--config` naming `store: {kind: postgres, …}`) the first node or command to
            migrate holds a database lock meanwhile, so several nodes may start at once; it also creates the first
            payload data key, wrapped by the key-encryption key.

            Examples:
              ketenpoort store migrate --state-dir /var/lib/ketenpoort
              ketenpoort store migrate --config /etc/ketenpoort/gateway.yaml
            """)
    )

    @OptionGroup var location: StoreLocationOptions

    func run() async throws {
        try await runOperatorCommand {
            if let configuration = try location.configuration(), let settings = configuration.postgresSettings {
                do {
                    let store = try await PostgresStore.open(settings: settings, access: .migrate, payloadKeys: true, logger: OperatorLog.quiet)
                    await store.shutdown()
                } catch let error as StoreSchemaError {
                    throw OperatorFailure.usage("\(error)")
                } catch {
                    throw OperatorFailure.usage("cannot migrate the store at \(settings.displayName): \(error)")
                }
                print("the store at \(settings.displayName) is at schema \(PostgresStore.schemaVersions.last ?? "?")")
                return
            }
            let directory = try location.resolvedDirectory()
            do {
                for repair in try StateDirectoryFiles.secure(directory) {
                    print("permissions repaired: \(repair)")
                }
                let lock = try StateDirectoryLock(directory: directory)
                let store = try SQLiteStore.open(stateDirectory: directory)
                try store.close()
                lock.release()
                print("the store in \(directory) is at schema \(SQLiteStore.schemaVersions.last ?? "?")")
            } catch let error as StoreSchemaError {
                throw OperatorFailure.usage("\(error)")
            } catch let error as StoreError {
                throw OperatorFailure.usage("cannot migrate the store in \(directory): \(error)")
            } catch {
                throw OperatorFailure.usage("\(error)")
            }
        }
    }
}
