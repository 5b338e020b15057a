import ArgumentParser

/// `ketenpoort bench`: reproducible speed measurements (run from a release build).
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure throughput, latency and robustness (build with -c release first).",
        subcommands: [XMLBenchCommand.self, IntakeBenchCommand.self, LatencyBenchCommand.self, E2EBenchCommand.self,
                      ChaosCommand.self, QueueScaleCommand.self]
    )
}
