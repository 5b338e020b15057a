/// The `audit` section of the gateway configuration.
public struct AuditSettings: Codable, Sendable {
    /// Sign a tree head as soon as this many records follow the last one (default 1000; 0 turns it off).
    public var checkpointEveryRecords: Int?

    /// The count in effect: nil when turned off.
    public var effectiveCheckpointEveryRecords: Int64? {
        let count = checkpointEveryRecords ?? 1000
        return count > 0 ? Int64(count) : nil
    }

    /// Creates the settings.
    public init(checkpointEveryRecords: Int? = nil) {
        self.checkpointEveryRecords = checkpointEveryRecords
    }
}
