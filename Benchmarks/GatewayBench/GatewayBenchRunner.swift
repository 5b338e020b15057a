import ArgumentParser
import Foundation
import KetenpoortCommandLine
import KetenpoortStore

/// Runs one gateway benchmark: set-up, warm-up, measured load, optional drain, process figures, `openssl speed`, report;
/// with `--compare-stores` once on SQLite and once on PostgreSQL.
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

    /// Runs the benchmark (on each store) and prints its report(s).
    func run() async throws {
        if endToEnd && options.partnersDown { throw ValidationError("--partners-down leaves nothing to deliver end to end") }
        let storage = options.storage
        var runs: [(BenchStoreKind, Int)] = [(storage.store, storage.nodes)]
        if options.compareStores { runs.insert((.sqlite, 1), at: 0) }
        var reports: [BenchReport] = []
        for (kind, nodes) in runs {
            let store = try await BenchStore.prepare(kind: kind, nodes: nodes, postgresEnvFile: storage.postgresEnvFile)
            do {
                reports.append(try await runOnce(on: store))
            } catch {
                await store.finish(keep: true)
                throw error
            }
            await store.finish(keep: options.keep)
        }
        if options.json {
            if reports.count == 1, let report = reports.first { try printJSON(report) } else { try printJSON(reports) }
        } else {
            for (index, report) in reports.enumerated() {
                if index > 0 { print("") }
                report.printTable()
            }
            if reports.count > 1 { BenchReport.printComparison(reports) }
        }
    }

    private func runOnce(on store: BenchStore) async throws -> BenchReport {
        let loadBefore = MachineLoad.now()
        let world = try BenchWorld(directory: options.directory, partnerConcurrency: options.partnerConcurrency, leaseSeconds: 30,
                                   requestTimeoutSeconds: 10, retry: options.retry, logLevel: options.gatewayLogLevel,
                                   store: store.storeSection, nodes: store.nodes)
        let report: BenchReport
        do {
            report = try await measure(world, store: store, loadBefore: loadBefore)
        } catch {
            await world.stopAll()
            printError("benchmark failed: \(error); logs in \(world.root.path)")
            throw error
        }
        if !options.keep { world.remove() }
        return report
    }

    private func measure(_ world: BenchWorld, store: BenchStore, loadBefore: MachineLoad) async throws -> BenchReport {
        // Intake and latency measure the gateway: the partner endpoints (elsewhere in production) yield the CPU to it.
        if !options.partnersDown { try await world.startPartners(niceness: endToEnd ? 0 : 19) }
        let startup = try await world.startGateway()
        let messages = try BenchMessages.load(senderOIN: world.senderOIN, mixed: false, path: options.message)
        let poolSize = connections ?? 64
        let client = try BenchIntakeClient(urls: world.intakeURLs, tls: world.senderTLS, connections: poolSize)
        let generator = LoadGenerator(client: client, messages: messages, maxRequests: 2_000_000)
        let watcher = try await DeliveryWatcher.open(world.configuration)
        if options.warmup > 0 {
            if let rate { _ = await generator.openLoop(rate: rate, seconds: options.warmup) } else {
                _ = await generator.closedLoop(connections: poolSize, seconds: options.warmup)
            }
            if endToEnd { _ = try await watcher.waitUntilDrained(timeout: 120) }
        }
        let pids = world.nodes.compactMap(\.process.pid)
        guard pids.count == world.nodes.count else { throw BenchError("a gateway node is not running; see \(world.root.path)") }
        let gatewayBefore = world.gatewayCPUSeconds()
        let databaseBefore = store.databaseCPUSeconds()
        let partnerBefore = world.partnerCPUSeconds()
        let result: LoadResult
        if let rate { result = await generator.openLoop(rate: rate, seconds: options.seconds) } else {
            result = await generator.closedLoop(connections: poolSize, seconds: options.seconds)
        }
        var e2e: EndToEndFigures?
        if endToEnd {
            _ = try await watcher.waitUntilDrained(timeout: 300)
            e2e = try await watcher.endToEnd(acceptedAt: result.acceptedAt)
        }
        await watcher.close()
        guard world.nodes.allSatisfy({ $0.process.pid != nil }) else {
            throw BenchError("a gateway node died during the load; see the gateway logs in \(world.root.path)")
        }
        let cpu = world.gatewayCPUSeconds() - gatewayBefore
        let databaseCPU = both(store.databaseCPUSeconds(), databaseBefore).map { $0 - $1 }
        let peakRSS = world.gatewayPeakRSSMiB()
        let partnerCPU = world.partnerCPUSeconds() - partnerBefore
        let loadAfter = MachineLoad.now()
        await client.shutdown()
        await world.stopAll()
        let openssl = options.opensslSeconds > 0
            ? OpenSSLSpeed.run(seconds: options.opensslSeconds, processes: ProcessInfo.processInfo.activeProcessorCount) : OpenSSLSpeed()
        let perSecond = Double(result.accepted) / max(result.elapsed, 1e-9)
        func perMessage(_ seconds: Double) -> Double { result.accepted > 0 ? seconds * 1000 / Double(result.accepted) : 0 }
        return BenchReport(
            mode: mode, build: BenchReport.buildKind, store: store.label, nodes: store.nodes,
            deliveries: options.partnersDown ? "deferred (partner endpoints down)" : "running", messageBytes: messages.typicalBytes,
            connections: connections, targetRate: rate,
            seconds: result.elapsed, sent: result.sent, accepted: result.accepted, rejected: result.rejected, failed: result.failed,
            acceptedPerSecond: perSecond, intakeLatencyMs: LatencySummary(result.latency), endToEnd: e2e,
            gatewayStartupSeconds: startup, gatewayPeakRSSMiB: peakRSS, gatewayCPUSeconds: cpu,
            gatewayCPUMsPerMessage: perMessage(cpu), databaseCPUSeconds: databaseCPU, databaseCPUMsPerMessage: databaseCPU.map(perMessage),
            partnerCPUSeconds: partnerCPU,
            opensslRSA2048SignPerSecond: openssl.rsaSign, intakeToRawRSARatio: openssl.rsaSign.map { perSecond / $0 },
            loadBefore: loadBefore, loadAfter: loadAfter,
            otherStatuses: Dictionary(uniqueKeysWithValues: result.otherStatuses.map { (String($0.key), $0.value) }),
            runDirectory: options.keep ? world.root.path : nil)
    }
}

/// Both values, or nil if either is nil.
private func both<A, B>(_ first: A?, _ second: B?) -> (A, B)? {
    guard let first, let second else { return nil }
    return (first, second)
}
