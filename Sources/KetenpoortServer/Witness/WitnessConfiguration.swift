import Foundation

/// Everything a reference witness (`ketenpoort witness --config FILE`) needs; see Examples/config/witness.yaml.
public struct WitnessConfiguration: Codable, Sendable {
    /// A gateway whose signed tree heads this witness accepts.
    public struct Gateway: Codable, Sendable, Hashable {
        /// A name for logs and metrics, e.g. `ketenpoort-politie`.
        public var name: String
        /// PEM certificate of the key the gateway signs its tree heads with (its `signing.certificate`).
        public var signingCertificate: String

        /// Creates a gateway entry.
        public init(name: String, signingCertificate: String) {
            self.name = name
            self.signingCertificate = signingCertificate
        }
    }

    /// The witness's name, written into every cosignature.
    public var name: String
    /// The mutual-TLS listener gateways post to.
    public var listen: GatewayConfiguration.Listener
    /// Server certificate, key and the CAs the gateways' client certificates must chain to.
    public var tls: TLSFiles
    /// The key and certificate the witness cosigns with (RSA 2048+ or P-256).
    public var cosigning: GatewayConfiguration.KeyFiles
    /// Directory for the witness's own store (`witness.sqlite`), mode 0700.
    public var stateDirectory: String
    /// The gateways whose heads are accepted, by signing key.
    public var gateways: [Gateway]
    /// Optional plain-HTTP listener for `/healthz` and `/metrics` (keep it on loopback).
    public var admin: GatewayConfiguration.Listener?
    /// Connection limits and timeouts of the TLS listener (defaults: `ConnectionLimits.standard`).
    public var limits: ConnectionLimits?

    /// Creates a configuration.
    public init(name: String, listen: GatewayConfiguration.Listener, tls: TLSFiles, cosigning: GatewayConfiguration.KeyFiles,
                stateDirectory: String, gateways: [Gateway], admin: GatewayConfiguration.Listener? = nil) {
        self.name = name
        self.listen = listen
        self.tls = tls
        self.cosigning = cosigning
        self.stateDirectory = stateDirectory
        self.gateways = gateways
        self.admin = admin
    }

    /// The problems the types cannot express, each `key: problem`; empty when the configuration is usable.
    public var problems: [String] {
        var found: [String] = []
        if name.isEmpty { found.append("name: must not be empty") }
        if !(0...65_535).contains(listen.port) { found.append("listen.port: must be between 0 and 65535") }
        if let admin, !(0...65_535).contains(admin.port) { found.append("admin.port: must be between 0 and 65535") }
        if tls.trustedCAs.isEmpty { found.append("tls.trustedCAs: needs at least one CA file") }
        if stateDirectory.isEmpty { found.append("stateDirectory: must name a directory") }
        if gateways.isEmpty { found.append("gateways: needs at least one gateway") }
        for (index, gateway) in gateways.enumerated() where gateway.name.isEmpty {
            found.append("gateways[\(index)].name: must not be empty")
        }
        if Set(gateways.map(\.name)).count != gateways.count { found.append("gateways: names must be unique") }
        found += (limits ?? .standard).problems(prefix: "limits")
        return found
    }
}

/// A witness configuration that cannot be used, naming the file and the key.
public struct WitnessConfigurationError: Error, Sendable, CustomStringConvertible {
    /// The configuration file.
    public let file: String
    /// Each problem as `key: problem`.
    public let problems: [String]

    /// `file: key: problem` per line.
    public var description: String { problems.map { "\(file): \($0)" }.joined(separator: "\n") }
}
