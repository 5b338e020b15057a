import ArgumentParser
import Foundation
import KetenpoortStore

/// Runs one gateway benchmark: set-up, warm-up, measured load, optional drain, process figures, `openssl speed`, report.
struct GatewayBenchRunner {
    /// The shared options.
    let options: GatewayBenchOptions
    /// `intake`, `latency` or `e2e`.
    let mode: String
    /// Closed-loop connections, if closed loop.
    let connections: Int?
    /// Open-loop rate, if open loop.
    let rate: Double?
    /// Whether to wait for every accepted message's receipt and measure end-to-end.
    let endToEnd: Bool

    /// Runs the benchmark and prints its report.
    func run() async throws {
        if endToEnd && options.partnersDown { throw ValidationError("--partners-down leaves nothing to deliver end to end") }
        let loadBefore = MachineLoad.now()
        let world = try BenchWorld(directory: options.directory, partnerConcurrency: options.partnerConcurrency, leaseSeconds: 30,
                                   requestTimeoutSeconds: 10, retry: options.retry, logLevel: options.gatewayLogLevel)
        let report: BenchReport
        do {
            report = try await measure(world, loadBefore: loadBefore)
        } catch {
            await world.stopAll()
            printError("benchmark failed: \(error); logs in \(world.root.path)")
            throw error
        }
        if options.json { try printJSON(report) } else { report.printTable() }
        if !options.keep { world.remove() }
    }

    private func measure(_ world: BenchWorld, loadBefore: MachineLoad) async throws -> BenchReport {
        // Intake and latency measure the gateway: the partner endpoints (elsewhere in production) yield the CPU to it.
        if !options.partnersDown { try await world.startPartners(niceness: endToEnd ? 0 : 19) }
        let startup = try await world.startGateway()
        let messages = try BenchMessages.load(senderOIN: world.senderOIN, mixed: false, path: options.message)
        let poolSize = connections ?? 64
        let client = try BenchIntakeClient(url: world.intakeURL, tls: world.senderTLS, connections: poolSize)
        let generator = LoadGenerator(client: client, messages: messages, maxRequests: 2_000_000)
        if options.warmup > 0 {
            if let rate { _ = await generator.openLoop(rate: rate, seconds: options.warmup) } else {
                _ = await generator.closedLoop(connections: poolSize, seconds: options.warmup)
            }
            if endToEnd { _ = try await DeliveryWatcher(stateDirectory: world.stateDirectory).waitUntilDrained(timeout: 120) }
        }
        guard let pid = world.gateway.pid, let before = ProcessMetrics.read(pid: pid) else { throw BenchError("the gateway is not running") }
        let partnerBefore = world.partnerCPUSeconds()
        let result: LoadResult
        if let rate { result = await generator.openLoop(rate: rate, seconds: options.seconds) } else {
            result = await generator.closedLoop(connections: poolSize, seconds: options.seconds)
        }
        var e2e: EndToEndFigures?
        if endToEnd {
            let watcher = try DeliveryWatcher(stateDirectory: world.stateDirectory)
            _ = try await watcher.waitUntilDrained(timeout: 300)
            e2e = try await watcher.endToEnd(acceptedAt: result.acceptedAt)
        }
        guard let after = ProcessMetrics.read(pid: pid) else { throw BenchError("the gateway died during the load; see \(world.gateway.logFile)") }
        let partnerCPU = world.partnerCPUSeconds() - partnerBefore
        let loadAfter = MachineLoad.now()
        await client.shutdown()
        await world.stopAll()
        let openssl = options.opensslSeconds > 0
            ? OpenSSLSpeed.run(seconds: options.opensslSeconds, processes: ProcessInfo.processInfo.activeProcessorCount) : OpenSSLSpeed()
        let perSecond = Double(result.accepted) / max(result.elapsed, 1e-9)
        let cpu = after.cpuSeconds - before.cpuSeconds
        return BenchReport(
            mode: mode, build: BenchReport.buildKind, deliveries: options.partnersDown ? "deferred (partner endpoints down)" : "running", messageBytes: messages.typicalBytes, connections: connections, targetRate: rate,
            seconds: result.elapsed, sent: result.sent, accepted: result.accepted, rejected: result.rejected, failed: result.failed,
            acceptedPerSecond: perSecond, intakeLatencyMs: LatencySummary(result.latency), endToEnd: e2e,
            gatewayStartupSeconds: startup, gatewayPeakRSSMiB: after.peakRSSMiB, gatewayCPUSeconds: cpu,
            gatewayCPUMsPerMessage: result.accepted > 0 ? cpu * 1000 / Double(result.accepted) : 0, partnerCPUSeconds: partnerCPU,
            opensslRSA2048SignPerSecond: openssl.rsaSign, intakeToRawRSARatio: openssl.rsaSign.map { perSecond / $0 },
            loadBefore: loadBefore, loadAfter: loadAfter,
            otherStatuses: Dictionary(uniqueKeysWithValues: result.otherStatuses.map { (String($0.key), $0.value) }),
            runDirectory: options.keep ? world.root.path : nil)
    }
}
