import ArgumentParser
import KetenpoortCommandLine

/// `ketenpoort-bench latency`: open-loop intake latency at a fixed rate.
struct LatencyBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "latency",
        abstract: "Intake latency percentiles (HDR histogram) at a fixed request rate (open loop).",
        discussion: HelpText.flowing("""
            Requests start every 1/rate seconds regardless of answers; latency counts from the intended start, so
            stalls are not hidden (no coordinated omission).

            Example:
              .build/release/ketenpoort-bench latency --rate 300 --seconds 60
            """)
    )

    @Option(help: "Requests per second.")
    var rate: Double = 300

    @OptionGroup var options: GatewayBenchOptions

    func run() async throws {
        try await GatewayBenchRunner(options: options, mode: "latency", connections: nil, rate: max(1, rate), endToEnd: false).run()
    }
}
