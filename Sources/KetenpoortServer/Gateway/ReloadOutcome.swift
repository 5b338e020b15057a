import KetenpoortStore

/// What a configuration reload came to: applied (with what changed) or refused (with why); the running configuration
/// stays whole in the second case.
public struct ReloadOutcome: Sendable, Equatable, CustomStringConvertible {
    /// SHA-256 (hex) of the configuration file as read, or `none` when it could not be read.
    public let sha256: String
    /// The areas that changed (`partners`, `intake-tls`, …), empty when refused or when nothing changed.
    public let changes: [String]
    /// Why the reload was refused; nil when it was applied.
    public let refusal: String?

    /// Whether the new configuration is now in force.
    public var applied: Bool { refusal == nil }

    /// An applied reload.
    static func applied(sha256: String, changes: [String]) -> ReloadOutcome {
        ReloadOutcome(sha256: sha256, changes: changes, refusal: nil)
    }

    /// A refused reload.
    static func refused(sha256: String, reason: String) -> ReloadOutcome {
        ReloadOutcome(sha256: sha256, changes: [], refusal: reason)
    }

    /// The `config.reloaded` audit detail: `sha256=… outcome=applied changes=a,b` or `sha256=… outcome=refused reason="…"`.
    public var auditDetail: String {
        if let refusal {
            return "sha256=\(sha256) outcome=refused reason=\(AuditText.quoted(refusal))"
        }
        return "sha256=\(sha256) outcome=applied changes=\(changes.isEmpty ? "none" : changes.joined(separator: ","))"
    }

    /// One line for operators.
    public var description: String {
        if let refusal { return "refused (the running configuration stays): \(refusal)" }
        return "applied; changed: \(changes.isEmpty ? "nothing" : changes.joined(separator: ", "))"
    }
}
