import Foundation
import KetenpoortServer
import KetenpoortStore
import Logging

/// Where the store is: a state directory (SQLite), or a configuration file and the store it names.
public struct StoreLocation: Sendable, Equatable {
    /// The gateway's state directory (`--state-dir`).
    public var stateDirectory: String?
    /// The gateway configuration file (`--config`).
    public var configFile: String?

    /// A location named by exactly one of the two (checked when it is used).
    public init(stateDirectory: String?, configFile: String?) {
        self.stateDirectory = stateDirectory
        self.configFile = configFile
    }

    /// The gateway configuration when `--config` is given.
    public func configuration() throws -> GatewayConfiguration? {
        guard let file = configFile else { return nil }
        do {
            return try ConfigurationLoader.load(file: file)
        } catch {
            throw OperatorFailure.usage("cannot read the configuration \(file): \(error)")
        }
    }

    /// The state directory named by exactly one of the two options.
    public func resolvedDirectory() throws -> String {
        switch (stateDirectory, configFile) {
        case (let directory?, nil):
            return directory
        case (nil, .some):
            guard let configuration = try configuration() else { throw OperatorFailure.usage("no configuration") }
            return configuration.stateDirectory
        case (nil, nil):
            throw OperatorFailure.usage("give --state-dir DIR or --config FILE to name the store")
        case (.some, .some):
            throw OperatorFailure.usage("give only one of --state-dir and --config")
        }
    }

    /// Opens the existing store, never creating or migrating it: read-only unless `access` says otherwise; with
    /// `payloadKeys` also its payload keys. SQLite in the state directory, or the PostgreSQL store `--config` names.
    public func open(access: StoreAccess = .readOnly, payloadKeys: Bool = false) async throws -> ConfiguredStore {
        guard access != .migrate else { throw OperatorFailure.usage("operator commands do not migrate the store") }
        guard stateDirectory == nil || configFile == nil else { throw OperatorFailure.usage("give only one of --state-dir and --config") }
        if let configuration = try configuration(), configuration.postgresSettings != nil {
            do {
                return try await StoreOpening.open(configuration, access: access, payloadKeys: payloadKeys, logger: OperatorLog.quiet)
            } catch let error as StoreSchemaError {
                throw OperatorFailure.usage("\(error)")
            } catch {
                throw OperatorFailure.usage("cannot open the store at \(StoreOpening.describe(configuration)): \(error)")
            }
        }
        let directory = try resolvedDirectory()
        if payloadKeys {
            var isDirectory: ObjCBool = false
            let keys = directory + "/" + SQLiteStore.keyDirectoryName
            guard FileManager.default.fileExists(atPath: keys, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw OperatorFailure.usage("no payload keys at \(keys); the payload cannot be read")
            }
        }
        do {
            return try SQLiteStore.open(stateDirectory: directory, access: access, payloadKeys: payloadKeys)
        } catch let error as StoreSchemaError {
            throw OperatorFailure.usage("\(error)")
        } catch let error as StoreError {
            throw OperatorFailure.usage("cannot open the store in \(directory): \(error)")
        }
    }
}

/// Logging for operator commands: the database client's background lines are not for the operator's terminal.
public enum OperatorLog {
    /// A logger that drops everything.
    public static let quiet = Logger(label: "ketenpoort.operator", factory: { _ in SwiftLogNoOpLogHandler() })
}
