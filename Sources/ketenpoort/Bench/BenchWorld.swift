import Foundation
import KetenpoortPKI
import KetenpoortServer

/// A fresh benchmark set-up on loopback: a development PKI, a gateway configuration with a new state directory,
/// reference partner endpoints (`vt-utrecht`, `vt-rotterdam-rijnmond`) as child processes, and the gateway as a child process.
final class BenchWorld: Sendable {
    /// The root directory of this run (PKI, state, inboxes, logs, configurations).
    let root: URL
    /// The gateway's state directory.
    let stateDirectory: String
    /// The gateway's configuration file.
    let gatewayConfigFile: String
    /// The gateway's intake port.
    let intakePort: Int
    /// The gateway's signing certificate (for `audit verify`).
    let gatewaySigningCertificate: String
    /// The sender's (Politie Rotterdam) mutual-TLS files.
    let senderTLS: TLSFiles
    /// The sender's OIN.
    let senderOIN: String
    /// The gateway process.
    let gateway: ChildProcess
    /// Partner id → its endpoint process.
    let partners: [String: ChildProcess]
    /// Partner id → its endpoint port.
    let partnerPorts: [String: Int]
    /// Partner id → its inbox directory.
    let inboxes: [String: String]

    /// The partners of a benchmark: routing id and the development party whose keys and OIN it uses.
    static let partnerParties: [(id: String, party: String)] = [("vt-utrecht", "vt-haaglanden"), ("vt-rotterdam-rijnmond", "vt-rotterdam-rijnmond")]

    /// Creates the PKI and writes all configurations; starts nothing.
    init(directory: String?, partnerConcurrency: Int, leaseSeconds: Int, requestTimeoutSeconds: Int,
         retry: GatewayConfiguration.RetryPolicy, logLevel: String) throws {
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
        intakePort = try LoopbackPort.free()
        var configuration = try DevConfiguration.make(pki: pki, root: root, intakePort: intakePort, partners: gatewayPartners)
        configuration.gateway.unit = "Ketenpoort (benchmark)"
        configuration.courier.leaseSeconds = leaseSeconds
        configuration.courier.requestTimeoutSeconds = requestTimeoutSeconds
        configuration.courier.connectTimeoutSeconds = 2
        configuration.retry = retry
        stateDirectory = configuration.stateDirectory
        gatewayConfigFile = root.appendingPathComponent("gateway.yaml").path
        try Self.write(configuration, to: gatewayConfigFile)
        gateway = ChildProcess(arguments: ["serve", "--config", gatewayConfigFile, "--log-level", logLevel],
                               logFile: root.appendingPathComponent("gateway.log").path)
        partners = processes
        partnerPorts = ports
        self.inboxes = inboxes
    }

    /// The intake URL.
    var intakeURL: String { "https://localhost:\(intakePort)/v1/berichten" }

    /// Starts the partner endpoints and waits until they listen; `niceness` lowers their CPU priority
    /// (in production they run on the partners' machines, not on the gateway's cores).
    func startPartners(niceness: Int32 = 0) async throws {
        for (id, process) in partners {
            try process.start()
            if niceness != 0, let pid = process.pid { _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), id_t(pid), niceness) }
            _ = try await waitUntilListening(partnerPorts[id] ?? 0, timeout: 30, while: process)
        }
    }

    /// Starts the gateway and returns the seconds from spawn until intake accepts connections.
    @discardableResult
    func startGateway(timeout: Double = 60) async throws -> Double {
        try gateway.start()
        return try await waitUntilListening(intakePort, timeout: timeout, while: gateway)
    }

    /// Stops everything: the gateway gracefully first, then the partners.
    func stopAll() async {
        await gateway.stop(signal: SIGTERM, timeout: 30)
        for process in partners.values { await process.stop(signal: SIGTERM, timeout: 10) }
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
