import Foundation
import KetenpoortPostgres
import KetenpoortStore
import Logging

/// A store as the gateway and its operator commands use it, whichever database holds it.
public typealias ConfiguredStore = any GatewayStore & WitnessCosignatureStore

/// Opens the store a configuration names: SQLite in the state directory (the default) or PostgreSQL.
public enum StoreOpening {
    /// Opens the configured store as `access` allows, with its payload keys when `payloadKeys`.
    public static func open(_ configuration: GatewayConfiguration, access: StoreAccess, payloadKeys: Bool, logger: Logger) async throws
        -> ConfiguredStore {
        if let settings = configuration.postgresSettings {
            return try await PostgresStore.open(settings: settings, access: access, payloadKeys: payloadKeys, logger: logger)
        }
        return try SQLiteStore.open(stateDirectory: configuration.stateDirectory, access: access, payloadKeys: payloadKeys)
    }

    /// Closes a store opened here (PostgreSQL's connection pool; SQLite closes with its last reference).
    public static func close(_ store: ConfiguredStore) async {
        if let postgres = store as? PostgresStore { await postgres.shutdown() }
    }

    /// Where the store is, for messages: the database file or `user@host:port/database`.
    public static func describe(_ configuration: GatewayConfiguration) -> String {
        configuration.postgresSettings?.displayName ?? configuration.stateDirectory + "/" + SQLiteStore.databaseFileName
    }
}
