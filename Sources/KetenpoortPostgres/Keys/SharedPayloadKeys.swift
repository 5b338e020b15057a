import Foundation
import KetenpoortStore
import Synchronization

/// This node's copy of the payload data keys in the database, reloaded when a payload names a key it has not seen
/// (another node added it with `store rotate-kek --new-data-key`).
final class SharedPayloadKeys: Sendable {
    private let kek: KeyEncryptionKey
    private let current: Mutex<PayloadCipher>

    /// Keys as loaded at open, unwrapped with `kek`.
    init(kek: KeyEncryptionKey, keyring: PayloadKeyring) {
        self.kek = kek
        current = Mutex(PayloadCipher(keyring: keyring))
    }

    /// The cipher as loaded now (it seals with the active key).
    var cipher: PayloadCipher { current.withLock { $0 } }

    /// A cipher that knows every key in `keyIds`, reloading the keys from the database once if one is unknown.
    func cipher(opening keyIds: Set<String>, database: PostgresDatabase) async throws -> PayloadCipher {
        let cipher = self.cipher
        guard !keyIds.isSubset(of: Set(cipher.keyring.keyIds)) else { return cipher }
        let reloaded = PayloadCipher(keyring: try await WrappedKeyring.load(database, kek: kek, createIfNone: false))
        current.withLock { $0 = reloaded }
        return reloaded
    }
}
