import ArgumentParser
import Foundation
import KetenpoortOperations
import KetenpoortStore

/// Runs an operator command body, turning failures into a message on stderr and the documented exit code.
public func runOperatorCommand(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let failure as OperatorFailure {
        printError("error: \(failure.description)")
        throw ExitCode(failure.exitCode)
    } catch let error as StoreError {
        printError("error: \(error.description)")
        throw ExitCode(OperatorExit.code(for: error))
    }
}
