import ArgumentParser
import Foundation
import KetenpoortOperations
import KetenpoortStore

/// `--operator NAME` (default: the login name) and `--reason TEXT` for audited actions.
public struct OperatorOptions: ParsableArguments {
    /// Options as parsed.
    public init() {}

    @Option(name: .customLong("operator"), help: "Your name for the audit trail (default: the login name).")
    public var operatorName: String?

    @Option(help: "Why (recorded in the audit trail; no personal data).")
    public var reason: String?

    /// The operator's name: `--operator`, else the login name.
    public var name: String {
        if let operatorName, !operatorName.trimmingCharacters(in: .whitespaces).isEmpty { return operatorName }
        if let login = getlogin().map({ String(cString: $0) }), !login.isEmpty { return login }
        return ProcessInfo.processInfo.userName
    }

    /// The audited action, or a usage error when the reason is missing.
    public func action(for what: String) throws -> OperatorAction {
        guard let reason, !reason.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw OperatorFailure.usage("\(what) is audited and needs --reason TEXT")
        }
        let name = self.name
        guard !name.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw OperatorFailure.usage("cannot tell who you are; give --operator NAME")
        }
        return OperatorAction(name: name, reason: reason)
    }
}
