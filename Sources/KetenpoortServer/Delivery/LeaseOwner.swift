import Foundation

/// Names this run of the daemon in leases.
public enum LeaseOwner {
    /// `hostname/pid/<8 random hex digits>`: the random part tells runs apart when a container reuses a PID, so the
    /// start-up reclaim never mistakes a dead run's leases for its own.
    public static func forThisRun(host: String = ProcessInfo.processInfo.hostName,
                                  pid: Int32 = ProcessInfo.processInfo.processIdentifier) -> String {
        let runId = UInt32.random(in: .min ... .max)
        let hex = String(runId, radix: 16)
        return "\(host)/\(pid)/" + String(repeating: "0", count: 8 - hex.count) + hex
    }
}
