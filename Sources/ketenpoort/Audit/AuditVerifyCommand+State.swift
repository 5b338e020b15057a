import ArgumentParser
import Foundation
import KetenpoortStore

extension AuditVerifyCommand {
    /// With `--state`: replays the trail and compares it with the `deliveries` and `messages` tables; prints one line
    /// per row the trail does not explain and exits 1 if there is any.
    func verifyState(store: any MessageStore) async throws {
        guard checkState else { return }
        let problems = try await store.verifyStateAgainstTrail()
        guard problems.isEmpty else {
            for problem in problems {
                print("BROKEN: state: \(problem)")
            }
            print("the deliveries and messages tables hold state the audit trail does not explain (\(problems.count) shown)")
            throw ExitCode(1)
        }
        print("OK: every delivery's state and attempts and every message are what the audit trail says")
    }
}
