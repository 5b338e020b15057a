import ArgumentParser
import Foundation
import KetenpoortServer
import KetenpoortStore

/// `ketenpoort store`: maintenance of the store itself.
struct StoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Maintain the gateway's store.",
        subcommands: [StoreMigrateCommand.self]
    )
}

/// `ketenpoort store migrate`: creates the store or brings its schema up to this build, as `serve` does at start.
struct StoreMigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Create the store or apply this build's schema migrations to it.",
        discussion: """
            Takes the state directory's lock first, so it never runs beside a gateway. Operator commands never
            migrate: they refuse a store whose schema differs from their own build's. Exit codes: 0 done,
            2 the store cannot be opened or migrated (another gateway runs, a newer ketenpoort wrote it, …).

            Example:
              ketenpoort store migrate --state-dir /var/lib/ketenpoort
            """
    )

    @OptionGroup var location: StoreLocationOptions

    func run() async throws {
        try await runOperatorCommand {
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
