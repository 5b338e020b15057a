import ArgumentParser
import KetenpoortCommandLine

/// `ketenpoort-bench intake`: closed-loop intake throughput over mutual TLS against a gateway child process.
struct IntakeBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "intake",
        abstract: "Accepted messages per second with C concurrent keep-alive mutual-TLS connections.",
        discussion: HelpText.flowing("""
            Starts reference partner endpoints and `ketenpoort serve` as child processes with a fresh development PKI
            and state directory on loopback, warms up, then posts ~10 KB zorgmeldingen (fresh BerichtId each) for
            --seconds. Prints accepted/s, intake latency, the gateway's peak RSS and CPU, and `openssl speed rsa2048`
            on all cores measured afterwards.

            Example:
              .build/release/ketenpoort-bench intake --connections 16 --seconds 30
              .build/release/ketenpoort-bench intake --store postgres --nodes 2 \\
                  --compare-stores
            """)
    )

    @Option(help: "Concurrent keep-alive connections.")
    var connections: Int = 16

    @OptionGroup var options: GatewayBenchOptions

    func run() async throws {
        try await GatewayBenchRunner(options: options, mode: "intake", connections: max(1, connections), rate: nil, endToEnd: false).run()
    }
}
