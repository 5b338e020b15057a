import Foundation
import KetenpoortStore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Asks the gateway running on a configuration's state directory to reread its configuration file (by SIGHUP) and
/// waits for the `config.reloaded` audit record that says how it went.
public enum ReloadRequest {
    /// Why no outcome came back.
    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        /// No gateway holds the state directory's lock (or it records no process id).
        case noGateway(stateDirectory: String)
        /// The signal could not be sent (e.g. the gateway runs as another user).
        case signal(pid: Int32, reason: String)
        /// The gateway audited no reload within the time allowed.
        case noAnswer(pid: Int32, seconds: Int)

        /// One line for operators.
        public var description: String {
            switch self {
            case .noGateway(let directory):
                return "no gateway is running on the state directory \(directory) (nobody holds \(StateDirectoryLock.fileName))"
            case .signal(let pid, let reason):
                return "cannot send SIGHUP to the gateway (pid \(pid)): \(reason)"
            case .noAnswer(let pid, let seconds):
                return "the gateway (pid \(pid)) audited no config.reloaded within \(seconds) s; see its log"
            }
        }
    }

    /// Signals the gateway and returns the first `config.reloaded` record written after the signal.
    public static func send(stateDirectory: String, store: any MessageStore, timeoutSeconds: Int) async throws -> AuditRecord {
        guard let pid = RunningGatewayProcess.holder(stateDirectory: stateDirectory) else {
            throw Failure.noGateway(stateDirectory: stateDirectory)
        }
        var seen = try await store.auditHeadSequence()
        guard kill(pid, SIGHUP) == 0 else { throw Failure.signal(pid: pid, reason: String(cString: strerror(errno))) }
        let deadline = ContinuousClock.now.advanced(by: .seconds(timeoutSeconds))
        while ContinuousClock.now < deadline {
            let records = try await store.auditRecords(afterSequence: seen, limit: 1000)
            if let answer = records.first(where: { $0.event == AuditEvent.configReloaded.rawValue }) { return answer }
            seen = records.last?.sequence ?? seen
            try await Task.sleep(for: .milliseconds(100))
        }
        throw Failure.noAnswer(pid: pid, seconds: timeoutSeconds)
    }
}
