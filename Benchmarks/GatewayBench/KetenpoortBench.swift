import ArgumentParser
import KetenpoortCommandLine

/// `ketenpoort-bench`: reproducible speed measurements and the fault harness (run from a release build).
@main
struct KetenpoortBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ketenpoort-bench",
        abstract: "Measure throughput, latency and robustness of Ketenpoort (build with -c release first).",
        discussion: HelpText.flowing("""
            The gateway and partner processes are the `ketenpoort` executable next to this one (the same build).
            Example:
              .build/release/ketenpoort-bench e2e --seconds 30
            """),
        subcommands: [XMLBenchCommand.self, IntakeBenchCommand.self, LatencyBenchCommand.self, E2EBenchCommand.self,
                      ChaosCommand.self, QueueScaleCommand.self]
    )

    /// Parses and runs the benchmark with the documented exit codes.
    static func main() async {
        await mainWithDocumentedExit()
    }
}
