import ArgumentParser
import Foundation
import KetenpoortOperations

extension AsyncParsableCommand {
    /// Parses and runs the command; exits with the documented codes (0 ok, 1 refused/invalid/not found,
    /// 2 usage error or unusable store/file) instead of ArgumentParser's 64 for usage errors.
    public static func mainWithDocumentedExit() async {
        do {
            var command = try await asyncParseAsRoot(nil)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exitDocumented(error)
        }
    }

    /// Exits for `error` as ArgumentParser would (same message, help on stdout), but usage errors exit 2.
    public static func exitDocumented(_ error: any Error) -> Never {
        guard exitCode(for: error) == .validationFailure else { exit(withError: error) }
        printError(fullMessage(for: error))
        Foundation.exit(OperatorExit.usage)
    }
}
