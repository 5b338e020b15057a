import Foundation
import KetenpoortOperations
import KetenpoortPKI
import KetenpoortServer
import KetenpoortTesting

/// One gateway process of a benchmark: its own state directory, configuration file, intake port and log.
final class GatewayNode: Sendable {
    /// 1, 2, 3, … in start order.
    let number: Int
    /// The node's state directory.
    let stateDirectory: String
    /// The node's configuration file.
    let configFile: String
    /// The node's intake port.
    let intakePort: Int
    /// The `ketenpoort serve` process.
    let process: ChildProcess

    /// Describes a node; nothing runs until `process.start()`.
    init(number: Int, stateDirectory: String, configFile: String, intakePort: Int, process: ChildProcess) {
        self.number = number
        self.stateDirectory = stateDirectory
        self.configFile = configFile
        self.intakePort = intakePort
        self.process = process
    }

    /// The node's intake URL.
    var intakeURL: String { "https://localhost:\(intakePort)/v1/berichten" }
}

/// A fresh benchmark set-up on loopback: a development PKI, one or more gateway nodes (each with its own state directory
/// and ports; several only on a shared PostgreSQL store), reference partner endpoints (`vt-utrecht`,
/// `vt-rotterdam-rijnmond`) as child processes, and the gateways as child processes.
final class BenchWorld: Sendable {
    /// The root directory of this run (PKI, state, inboxes, logs, configurations).
    let root: URL
    /// The gateway nodes, in start order.
    let nodes: [GatewayNode]
    /// The first node's configuration (the store section is the same on every node).
    let configuration: GatewayConfiguration
    /// The gateway's signing certificate (for `audit verify`).
    let gatewaySigningCertificate: String
    /// The sender's (Politie Rotterdam) mutual-TLS files.
    let senderTLS: TLSFiles
    /// The sender's OIN.
    let senderOIN: String
    /// Partner id → its endpoint process.
    let partners: [String: ChildProcess]
    /// Partner id → its endpoint port.
    let partnerPorts: [String: Int]
    /// Partner id → its inbox directory.
    let inboxes: [String: String]

    /// The partners of a benchmark: routing id and the development party whose keys and OIN it uses.
    static let partnerParties: [(id: String, party: String)] = [("vt-utrecht", "vt-haaglanden"), ("vt-rotterdam-rijnmond", "vt-rotterdam-rijnmond")]

    /// Creates the PKI and writes all configurations; starts nothing. `store` nil is SQLite in the state directory (one node).
    init(directory: String?, partnerConcurrency: Int, leaseSeconds: Int, requestTimeoutSeconds: Int,
         retry: GatewayConfiguration.RetryPolicy, logLevel: String, store: GatewayConfiguration.Store? = nil, nodes nodeCount: Int = 1) throws {
        guard nodeCount == 1 || store?.kind == .postgres else { throw BenchError("several gateway nodes need a PostgreSQL store") }
        let base = directory.map { URL(fileURLWithPath: $0) } ?? FileManager.default.temporaryDirectory
        root = base.appendingPathComponent("ketenpoort-bench-\(UUID().uuidString.prefix(8).lowercased())")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let pki = try DevelopmentPKI.create(in: root.appendingPathComponent("pki").path)
        guard let sender = pki.manifest.party(named: "politie-rotterdam"), let gatewayParty = pki.manifest.party(named: "gateway") else {
            throw BenchError("the development PKI lacks politie-rotterdam or gateway")
        }
        let ca = pki.path(DevelopmentPKI.caCertificateFile)
        senderTLS = TLSFiles(certificate: pki.path(sender.tlsCertificate), privateKey: pki.path(sender.tlsKey), trustedCAs: [ca])
        senderOIN = sender.oin
        gatewaySigningCertificate = pki.path(gatewayParty.signingCertificate)
        var processes: [String: ChildProcess] = [:]
        var ports: [String: Int] = [:]
        var inboxes: [String: String] = [:]
        var gatewayPartners: [GatewayConfiguration.Partner] = []
        for (id, partyName) in Self.partnerParties {
            guard let party = pki.manifest.party(named: partyName) else { throw BenchError("no party \(partyName)") }
            let port = try LoopbackPort.free()
            let inbox = root.appendingPathComponent("inbox/\(id)").path
            var configuration = try PartnerEndpointConfiguration.development(pki: pki, party: party, host: "127.0.0.1", port: port, inbox: inbox)
            configuration.partner = id
            let file = root.appendingPathComponent("partner-\(id).yaml").path
            try Self.write(configuration, to: file)
            processes[id] = ChildProcess(arguments: ["receive", "--config", file], logFile: root.appendingPathComponent("partner-\(id).log").path)
            ports[id] = port
            inboxes[id] = inbox
            gatewayPartners.append(.init(id: id, name: party.organisation, oin: party.oin, endpoint: "https://localhost:\(port)/v1/berichten",
                                         signingCertificates: [pki.path(party.signingCertificate)], concurrency: partnerConcurrency))
        }
        var configuration = try DevConfiguration.make(pki: pki, root: root, intakePort: 0, partners: gatewayPartners)
        configuration.gateway.unit = "Ketenpoort (benchmark)"
        configuration.courier.leaseSeconds = leaseSeconds
        configuration.courier.requestTimeoutSeconds = requestTimeoutSeconds
        configuration.courier.connectTimeoutSeconds = 2
        configuration.retry = retry
        configuration.store = store
        var gatewayNodes: [GatewayNode] = []
        var firstConfiguration = configuration
        for number in 1...max(1, nodeCount) {
            // One node keeps the familiar layout (state/, gateway.yaml, gateway.log); several get node-N/ each.
            let prefix = nodeCount == 1 ? "" : "node-\(number)/"
            var own = configuration
            own.intake.port = try LoopbackPort.free()
            if nodeCount > 1 { own.stateDirectory = root.appendingPathComponent(prefix + "state").path }
            try FileManager.default.createDirectory(at: root.appendingPathComponent(prefix), withIntermediateDirectories: true)
            let file = root.appendingPathComponent(prefix + "gateway.yaml").path
            try Self.write(own, to: file)
            let process = ChildProcess(arguments: ["serve", "--config", file, "--log-level", logLevel],
                                       logFile: root.appendingPathComponent(prefix + "gateway.log").path)
            gatewayNodes.append(GatewayNode(number: number, stateDirectory: own.stateDirectory, configFile: file,
                                            intakePort: own.intake.port, process: process))
            if number == 1 { firstConfiguration = own }
        }
        self.configuration = firstConfiguration
        nodes = gatewayNodes
        partners = processes
        partnerPorts = ports
        self.inboxes = inboxes
    }

    /// The first node's process (the only one on SQLite).
    var gateway: ChildProcess { nodes[0].process }
    /// The first node's state directory.
    var stateDirectory: String { nodes[0].stateDirectory }
    /// The first node's configuration file (any node's works for operator commands on a shared store).
    var gatewayConfigFile: String { nodes[0].configFile }
    /// The first node's intake URL.
    var intakeURL: String { nodes[0].intakeURL }
    /// Every node's intake URL, in node order.
    var intakeURLs: [String] { nodes.map(\.intakeURL) }

    /// Starts the partner endpoints and waits until they listen; `niceness` lowers their CPU priority
    /// (in production they run on the partners' machines, not on the gateway's cores).
    func startPartners(niceness: Int32 = 0) async throws {
        for (id, process) in partners {
            try process.start()
            if niceness != 0, let pid = process.pid { _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), id_t(pid), niceness) }
            _ = try await waitUntilListening(partnerPorts[id] ?? 0, timeout: 30, while: process)
        }
    }

    /// Starts every gateway node, one after the other (the first creates or migrates the store), and returns the
    /// longest time from spawn until a node's intake accepted connections.
    @discardableResult
    func startGateway(timeout: Double = 60) async throws -> Double {
        var slowest = 0.0
        for node in nodes where node.process.pid == nil { slowest = max(slowest, try await start(node, timeout: timeout)) }
        return slowest
    }

    /// Starts one node and returns the seconds from spawn until its intake accepts connections.
    func start(_ node: GatewayNode, timeout: Double = 60) async throws -> Double {
        try node.process.start()
        return try await waitUntilListening(node.intakePort, timeout: timeout, while: node.process)
    }

    /// Stops everything: the gateways gracefully first, then the partners; a process still running after its
    /// graceful time is killed, and when the caller is cancelled every process is killed at once, so no child
    /// outlives the run.
    func stopAll() async {
        await withTaskGroup(of: Void.self) { group in
            for node in nodes {
                group.addTask { await Self.stop(node.process, graceful: 30) }
            }
        }
        for process in partners.values {
            await Self.stop(process, graceful: 10)
        }
    }

    /// SIGTERM and up to `graceful` seconds, then SIGKILL; straight to SIGKILL when the caller is cancelled.
    private static func stop(_ process: ChildProcess, graceful: Double) async {
        if !Task.isCancelled, await process.stop(signal: SIGTERM, timeout: graceful) { return }
        _ = await process.stop(signal: SIGKILL, timeout: 5)
    }

    /// Total CPU seconds of the running gateway nodes so far.
    func gatewayCPUSeconds() -> Double {
        nodes.compactMap { $0.process.pid.flatMap(ProcessMetrics.read(pid:))?.cpuSeconds }.reduce(0, +)
    }

    /// The largest peak resident memory of the running gateway nodes, MiB.
    func gatewayPeakRSSMiB() -> Double {
        nodes.compactMap { $0.process.pid.flatMap(ProcessMetrics.read(pid:))?.peakRSSMiB }.max() ?? 0
    }

    /// Total CPU seconds of the partner endpoint processes so far.
    func partnerCPUSeconds() -> Double {
        partners.values.compactMap { $0.pid.flatMap(ProcessMetrics.read(pid:))?.cpuSeconds }.reduce(0, +)
    }

    /// Deletes the run directory.
    func remove() {
        try? FileManager.default.removeItem(at: root)
    }

    private static func write<T: Encodable>(_ value: T, to file: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try encoder.encode(value).write(to: URL(fileURLWithPath: file))
    }
}
