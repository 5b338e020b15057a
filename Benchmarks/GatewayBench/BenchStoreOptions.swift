import ArgumentParser
import KetenpoortCommandLine

/// Which store the benchmark gateways use.
enum BenchStoreKind: String, ExpressibleByArgument, CaseIterable, Codable, Sendable {
    /// One gateway on its embedded SQLite file.
    case sqlite
    /// N gateways sharing one PostgreSQL database.
    case postgres
}

/// `--store`, `--nodes` and `--postgres-env`, shared by `bench intake|latency|e2e|chaos`.
struct BenchStoreOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "The gateways' store: sqlite (one node) or postgres (one database shared by --nodes gateways).",
        discussion: HelpText.flowing("""
            With postgres the run creates a fresh database on the PostgreSQL named by --postgres-env or by the
            KETENPOORT_TEST_POSTGRES_* environment, and drops it at the end (unless --keep). With neither, it starts a
            throw-away server itself with scripts/postgres-test-cluster from this binary's source checkout (needs
            Debian's postgresql; scripts/install-deps installs it) and stops it at the end.
            """)))
    var store: BenchStoreKind = .sqlite

    @Option(help: "Gateway processes sharing the PostgreSQL database, each with its own state directory and ports (postgres only).")
    var nodes: Int = 1

    @Option(name: .customLong("postgres-env"),
            help: "An env file from `scripts/postgres-test-cluster start` naming the PostgreSQL to use (postgres only).")
    var postgresEnvFile: String?

    /// Refuses several nodes or an env file without PostgreSQL.
    func validate() throws {
        guard nodes >= 1 else { throw ValidationError("--nodes must be at least 1") }
        if store == .sqlite && nodes > 1 { throw ValidationError("--nodes \(nodes) needs --store postgres: a SQLite store has one node") }
        if store == .sqlite && postgresEnvFile != nil { throw ValidationError("--postgres-env needs --store postgres") }
    }
}
