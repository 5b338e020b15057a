import Crypto
import Foundation

/// Seals and opens payloads with AES-256-GCM, bound to their message id and key id.
package struct PayloadCipher: Sendable {
    /// The keys in use.
    package let keyring: PayloadKeyring

    /// A cipher sealing with `keyring`'s active key.
    package init(keyring: PayloadKeyring) { self.keyring = keyring }

    /// Seals a payload with the active key; returns the key id and `nonce ‖ ciphertext ‖ tag`.
    package func seal(_ payload: Data, messageId: String) throws -> (keyId: String, sealed: Data) {
        let keyId = keyring.activeKeyId
        guard let key = keyring.key(id: keyId) else {
            throw StoreError.keyError("the active key \(keyId) is not loaded")
        }
        do {
            let box = try AES.GCM.seal(payload, using: key, authenticating: Self.associatedData(messageId, keyId))
            guard let combined = box.combined else {
                throw StoreError.keyError("AES-GCM produced no combined form for message \(messageId)")
            }
            return (keyId, combined)
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError.keyError("sealing the payload of message \(messageId) failed")
        }
    }

    /// Opens a sealed payload with the key it names.
    package func open(_ sealed: Data, messageId: String, keyId: String) throws -> Data {
        guard let key = keyring.key(id: keyId) else {
            throw StoreError.keyError("message \(messageId) needs payload key \(keyId), which is not in the key directory")
        }
        do {
            let box = try AES.GCM.SealedBox(combined: sealed)
            return try AES.GCM.open(box, using: key, authenticating: Self.associatedData(messageId, keyId))
        } catch {
            throw StoreError.decryptionFailed(messageId: messageId, keyId: keyId)
        }
    }

    /// A leased delivery's payload: decrypted, purged, or unreadable (a failure concerns that delivery only).
    package func leasedPayload(_ sealed: Data?, keyId: String?, messageId: String) -> LeasedPayload {
        guard let sealed else { return .purged }
        guard let keyId else { return .unreadable(reason: "the sealed payload names no key") }
        do {
            return .available(try open(sealed, messageId: messageId, keyId: keyId))
        } catch let error as StoreError {
            return .unreadable(reason: error.description)
        } catch {
            return .unreadable(reason: "the payload cannot be decrypted with key \(keyId)")
        }
    }

    /// The authenticated data: ties a ciphertext to its row so it cannot be moved to another message.
    static func associatedData(_ messageId: String, _ keyId: String) -> Data {
        Data("ketenpoort-payload-v1\u{0}\(messageId)\u{0}\(keyId)".utf8)
    }
}
