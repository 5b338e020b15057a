import Foundation

/// Errors of the store; they name the message, delivery and rule, never payload content.
public enum StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The same message id was accepted before with a different sender or digest.
    case messageConflict(messageId: String, rule: String)
    /// The message is not in the store.
    case messageNotFound(messageId: String)
    /// The delivery is not in the store.
    case deliveryNotFound(DeliveryID)
    /// The transition is not allowed from the delivery's current state.
    case invalidTransition(delivery: DeliveryID, messageId: String, action: String, from: DeliveryState, allowed: [DeliveryState])
    /// Lease lost: the caller's lease (owner and token) is not the delivery's current one; it expired and the
    /// delivery was leased again (to another owner or the same), or it never was held. Nothing was changed.
    case leaseNotHeld(delivery: DeliveryID, messageId: String, owner: String, token: LeaseToken, holder: String?, current: LeaseToken)
    /// An argument breaks a rule (e.g. no recipients, empty operator name).
    case invalidArgument(String)
    /// A payload key problem (missing key, bad key file, wrong mode).
    case keyError(String)
    /// A payload could not be decrypted (wrong key or altered ciphertext).
    case decryptionFailed(messageId: String, keyId: String)
    /// A checkpoint could not be signed or a key could not be read.
    case signingError(String)
    /// The database failed; the text is the database's message, which carries no payload content.
    case database(String)
    /// The database cannot be reached now (down, failing over, cut off); the same call may succeed later.
    case unavailable(String)

    /// A one-line explanation for operators.
    public var description: String {
        switch self {
        case .messageConflict(let id, let rule):
            return "message \(id) conflicts with the stored message of that id: \(rule)"
        case .messageNotFound(let id):
            return "message \(id) is not in the store"
        case .deliveryNotFound(let id):
            return "delivery \(id) is not in the store"
        case .invalidTransition(let id, let messageId, let action, let from, let allowed):
            let list = allowed.map(\.rawValue).joined(separator: ", ")
            return "cannot \(action) delivery \(id) of message \(messageId): it is \(from.rawValue); \(action) is allowed only from \(list)"
        case .leaseNotHeld(let id, let messageId, let owner, let token, let holder, let current):
            return "lease lost: \(owner) presented lease \(token) of delivery \(id) of message \(messageId), but its current lease is "
                + "\(current) (holder: \(holder ?? "none")); nothing was changed"
        case .invalidArgument(let text):
            return "invalid argument: \(text)"
        case .keyError(let text):
            return "payload key: \(text)"
        case .decryptionFailed(let id, let keyId):
            return "the payload of message \(id) does not decrypt with key \(keyId) (wrong key or altered data)"
        case .signingError(let text):
            return "checkpoint signing: \(text)"
        case .unavailable(let text):
            return "database unavailable: \(text)"
        case .database(let text):
            return "database: \(text)"
        }
    }

    /// Wraps any error as a store error, keeping store errors as they are.
    package static func wrap(_ error: any Error) -> StoreError {
        if let storeError = error as? StoreError { return storeError }
        return .database(String(describing: error))
    }
}
