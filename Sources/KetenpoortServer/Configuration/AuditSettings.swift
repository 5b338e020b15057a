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

extension ConfigurationCheck {
    /// Problems with when tree heads are signed: `checkpointIntervalSeconds` and `audit.checkpointEveryRecords`.
    public static func auditProblems(_ configuration: GatewayConfiguration) -> [ConfigurationProblem] {
        var problems: [ConfigurationProblem] = []
        if let seconds = configuration.checkpointIntervalSeconds, seconds < 1 {
            problems.append(ConfigurationProblem(key: "checkpointIntervalSeconds", problem: "must be at least 1 second"))
        }
        if let records = configuration.audit?.checkpointEveryRecords, records < 0 {
            problems.append(ConfigurationProblem(key: "audit.checkpointEveryRecords", problem: "must be 0 (off) or more"))
        }
        return problems
    }
}
