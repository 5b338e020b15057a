import ArgumentParser
import KetenpoortCommandLine

/// `ketenpoort-bench e2e`: POST until the gateway stored the partner's verified receipt.
struct E2EBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "e2e",
        abstract: "End-to-end throughput and latency: POST → delivery → verified, stored receipt.",
        discussion: HelpText.flowing("""
            Closed loop by default (throughput: delivered/s from the first POST to the last stored receipt); with
            --rate, open loop (latency at a sustainable rate). Reads delivery times from the gateway's store.

            Examples:
              .build/release/ketenpoort-bench e2e --connections 16 --seconds 30
              .build/release/ketenpoort-bench e2e --rate 300 --seconds 30
              .build/release/ketenpoort-bench e2e --store postgres --nodes 3 \\
                  --compare-stores
            """)
    )

    @Option(help: "Concurrent keep-alive connections (closed loop).")
    var connections: Int = 16

    @Option(help: "Requests per second (open loop instead of closed loop).")
    var rate: Double?

    @OptionGroup var options: GatewayBenchOptions

    func run() async throws {
        try await GatewayBenchRunner(options: options, mode: "e2e", connections: rate == nil ? max(1, connections) : nil,
                                     rate: rate.map { max(1, $0) }, endToEnd: true).run()
    }
}
