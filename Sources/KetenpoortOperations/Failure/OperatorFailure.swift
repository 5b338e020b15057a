import Foundation
import KetenpoortStore

/// The documented exit codes of the operator commands.
public enum OperatorExit {
    /// Everything done, or nothing to report.
    public static let ok: Int32 = 0
    /// Refused (state does not allow it), threshold hit, or not found.
    public static let refused: Int32 = 1
    /// Usage error, or the store cannot be opened.
    public static let usage: Int32 = 2
}

/// An operator command's failure: a one-line message and the exit code it maps to.
public struct OperatorFailure: Error, Sendable, CustomStringConvertible {
    /// The message shown on stderr (names the id and the rule, never payload content).
    public let description: String
    /// The process exit code.
    public let exitCode: Int32

    /// A failure with `description` that exits with `exitCode`.
    public init(description: String, exitCode: Int32) {
        self.description = description
        self.exitCode = exitCode
    }

    /// A refusal or a not-found (exit 1).
    public static func refused(_ message: String) -> OperatorFailure { OperatorFailure(description: message, exitCode: OperatorExit.refused) }

    /// A usage error or an unusable store (exit 2).
    public static func usage(_ message: String) -> OperatorFailure { OperatorFailure(description: message, exitCode: OperatorExit.usage) }
}

extension OperatorExit {
    /// Exit 1 for refusals and unknown ids; exit 2 for database and key problems.
    public static func code(for error: StoreError) -> Int32 {
        switch error {
        case .invalidTransition, .invalidArgument, .messageNotFound, .deliveryNotFound, .leaseNotHeld, .messageConflict:
            return refused
        case .keyError, .decryptionFailed, .signingError, .database, .unavailable:
            return usage
        }
    }
}
