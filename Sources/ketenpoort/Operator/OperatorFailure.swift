import ArgumentParser
import Foundation
import KetenpoortStore

/// The documented exit codes of the operator commands.
enum OperatorExit {
    /// Everything done, or nothing to report.
    static let ok: Int32 = 0
    /// Refused (state does not allow it), threshold hit, or not found.
    static let refused: Int32 = 1
    /// Usage error, or the store cannot be opened.
    static let usage: Int32 = 2
}

/// An operator command's failure: a one-line message and the exit code it maps to.
struct OperatorFailure: Error, CustomStringConvertible {
    /// The message shown on stderr (names the id and the rule, never payload content).
    let description: String
    /// The process exit code.
    let exitCode: Int32

    /// A refusal or a not-found (exit 1).
    static func refused(_ message: String) -> OperatorFailure { OperatorFailure(description: message, exitCode: OperatorExit.refused) }

    /// A usage error or an unusable store (exit 2).
    static func usage(_ message: String) -> OperatorFailure { OperatorFailure(description: message, exitCode: OperatorExit.usage) }
}

/// Runs an operator command body, turning failures into a message on stderr and the documented exit code.
func runOperatorCommand(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let failure as OperatorFailure {
        printError("error: \(failure.description)")
        throw ExitCode(failure.exitCode)
    } catch let error as StoreError {
        printError("error: \(error.description)")
        throw ExitCode(exitCode(for: error))
    }
}

/// Exit 1 for refusals and unknown ids; exit 2 for database and key problems.
func exitCode(for error: StoreError) -> Int32 {
    switch error {
    case .invalidTransition, .invalidArgument, .messageNotFound, .deliveryNotFound, .leaseNotHeld, .messageConflict:
        return OperatorExit.refused
    case .keyError, .decryptionFailed, .signingError, .database, .unavailable:
        return OperatorExit.usage
    }
}
