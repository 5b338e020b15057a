import Foundation

/// How a store is opened: who may create and migrate it, and who may only read it.
public enum StoreAccess: Sendable, Equatable {
    /// Creates the store if needed and applies pending migrations (`ketenpoort serve`, `ketenpoort store migrate`).
    case migrate
    /// Reads and writes an existing store whose schema this build knows; never creates or migrates it (queue actions).
    case readWrite
    /// Reads an existing store through read-only connections; never writes, works in a read-only directory.
    case readOnly
}

/// Why a store cannot be opened as it is: absent, not migrated yet, or written by a newer ketenpoort.
public enum StoreSchemaError: Error, Sendable, Equatable, CustomStringConvertible {
    /// There is no database file.
    case absent(path: String)
    /// The database has none of the migrations: it is not an initialised ketenpoort store.
    case notInitialised(path: String)
    /// The database lacks migrations this build has (an older ketenpoort wrote it).
    case needsMigration(path: String, missing: [String])
    /// The database has migrations this build does not know.
    case newerVersion(path: String, unknown: [String])

    /// A one-line explanation for operators.
    public var description: String {
        switch self {
        case .absent(let path):
            return "no store at \(path) (`ketenpoort serve` or `ketenpoort store migrate --state-dir DIR | --config FILE` creates it)"
        case .notInitialised(let path):
            return "\(path) is not an initialised ketenpoort store (run `ketenpoort store migrate --state-dir DIR | --config FILE`)"
        case .needsMigration(let path, let missing):
            return "the store at \(path) needs migration \(missing.joined(separator: ", ")) "
                + "(run `ketenpoort store migrate --state-dir DIR | --config FILE` or start `ketenpoort serve`)"
        case .newerVersion(let path, let unknown):
            return "the store at \(path) was written by a newer ketenpoort (schema \(unknown.joined(separator: ", ")) "
                + "is unknown to this build); use that version or a newer one"
        }
    }
}
