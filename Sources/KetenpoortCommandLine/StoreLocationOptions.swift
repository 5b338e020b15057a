import ArgumentParser
import KetenpoortOperations
import KetenpoortServer
import KetenpoortStore

/// `--state-dir DIR` or `--config FILE`: where the store is.
public struct StoreLocationOptions: ParsableArguments {
    @Option(name: .customLong("state-dir"), help: "The gateway's state directory (holds ketenpoort.sqlite).")
    public var stateDirectory: String?

    @Option(name: .customLong("config"), help: "The gateway configuration file; its stateDirectory is used.")
    public var configFile: String?

    /// Options as parsed.
    public init() {}

    /// The location these options name.
    public var location: StoreLocation { StoreLocation(stateDirectory: stateDirectory, configFile: configFile) }
}

extension StoreLocationOptions {
    /// The configuration `--config` names, if given.
    public func configuration() throws -> GatewayConfiguration? { try location.configuration() }

    /// The state directory named by exactly one of the two options.
    public func resolvedDirectory() throws -> String { try location.resolvedDirectory() }

    /// Opens the existing store (see ``StoreLocation/open(access:payloadKeys:)``).
    public func open(access: StoreAccess = .readOnly, payloadKeys: Bool = false) async throws -> ConfiguredStore {
        try await location.open(access: access, payloadKeys: payloadKeys)
    }
}
