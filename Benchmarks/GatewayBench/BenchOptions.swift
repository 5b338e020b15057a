import ArgumentParser
import KetenpoortServer

/// Options shared by the gateway benchmarks.
struct GatewayBenchOptions: ParsableArguments {
    @Option(help: "Seconds of measured load.")
    var seconds: Double = 20

    @Option(help: "Seconds of unmeasured warm-up load before measuring.")
    var warmup: Double = 3

    @Option(help: "Message template (default Examples/valid/zorgmelding-10kb.xml, ~10 KB, routes to vt-utrecht).")
    var message: String?

    @Option(help: "Deliveries in flight per partner.")
    var partnerConcurrency: Int = 8

    @Option(help: "Gateway log level (info is what production runs with).")
    var gatewayLogLevel: String = "info"

    @Option(help: "Seconds of `openssl speed` (0 skips it).")
    var opensslSeconds: Int = 3

    @Option(help: "Directory for the run's PKI, state, inboxes and logs (default: the temporary directory).")
    var directory: String?

    @Flag(help: ArgumentHelp(
        "Do not start the partner endpoints: deliveries stay deferred, so the load measures intake alone.",
        discussion: "Not with e2e. The courier still tries each message once and schedules its retry."))
    var partnersDown = false

    @OptionGroup var storage: BenchStoreOptions

    @Flag(help: ArgumentHelp(
        "With --store postgres: first run the same load on SQLite (one node), then on PostgreSQL, and print both.",
        discussion: "Each run has its own gateways, state and database; the openssl figure is measured after each."))
    var compareStores = false

    @Flag(help: "Keep the run directory (and a PostgreSQL database) afterwards.")
    var keep = false

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    /// Refuses --compare-stores without --store postgres.
    func validate() throws {
        if compareStores && storage.store != .postgres { throw ValidationError("--compare-stores needs --store postgres") }
    }

    /// The retry policy the benchmarks run with: quick retries so a drained queue is reached soon.
    var retry: GatewayConfiguration.RetryPolicy {
        .init(initialDelaySeconds: 0.5, maxDelaySeconds: 2, maxAgeHours: 24, jitter: 0.2)
    }
}
