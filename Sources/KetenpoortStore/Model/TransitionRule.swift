import Foundation

/// Which states a transition may start from, and whether it needs the caller's lease (owner, and token if given).
package struct TransitionRule: Sendable {
    package var action: String
    package var allowed: [DeliveryState]
    package var event: AuditEvent
    package var leaseOwner: String?
    package var token: LeaseToken? = nil

    /// A rule for a transition of a leased delivery: it starts from `sending` and presents the lease.
    package static func leased(_ action: String, event: AuditEvent, owner: String, token: LeaseToken) -> TransitionRule {
        TransitionRule(action: action, allowed: [.sending], event: event, leaseOwner: owner, token: token)
    }

    /// A rule for an operator's or the start-up's transition.
    package init(action: String, allowed: [DeliveryState], event: AuditEvent, leaseOwner: String?, token: LeaseToken? = nil) {
        self.action = action
        self.allowed = allowed
        self.event = event
        self.leaseOwner = leaseOwner
        self.token = token
    }

    /// Throws unless `before` may take this transition: a current lease token (a newer lease fences an older one off
    /// whatever state it left), an allowed state, and the lease owner when one is required.
    package func check(_ before: DeliveryRecord) throws {
        let current = LeaseToken(rawValue: Int64(before.attempts))
        if let owner = leaseOwner, let token, token != current {
            throw StoreError.leaseNotHeld(
                delivery: before.id, messageId: before.messageId, owner: owner, token: token, holder: before.leaseOwner, current: current)
        }
        guard allowed.contains(before.state) else {
            throw StoreError.invalidTransition(
                delivery: before.id, messageId: before.messageId, action: action, from: before.state, allowed: allowed)
        }
        if let owner = leaseOwner, before.leaseOwner != owner {
            throw StoreError.leaseNotHeld(
                delivery: before.id, messageId: before.messageId, owner: owner, token: token ?? current, holder: before.leaseOwner,
                current: current)
        }
    }

    /// Throws unless an operator action names the operator and a reason.
    package static func validate(_ action: OperatorAction) throws {
        guard !action.name.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw StoreError.invalidArgument("an operator action needs the operator's name")
        }
        guard !action.reason.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw StoreError.invalidArgument("an operator action needs a reason")
        }
    }
}

/// ` endpoint=scheme://host:port` when an error text names a partner endpoint, else empty: the audit detail carries
/// the endpoint and the error class, never the rest of the text.
package func auditEndpoint(_ text: String) -> String {
    guard let pattern = try? NSRegularExpression(pattern: "https?://[A-Za-z0-9.\\-\\[\\]:]+:[0-9]+"),
          let match = pattern.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)),
          let range = Range(match.range, in: text) else { return "" }
    return " endpoint=" + text[range]
}
