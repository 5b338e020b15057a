import Synchronization
internal import CXMLSec

/// Ready xmlsec keys, each used by one signature operation at a time and kept for the next one.
///
/// Making an xmlsec key (certificate parse, key import through OpenSSL 3's decoders, RSA blinding set-up)
/// costs about as much as the signature operation itself, so keys are made once per identity and reused.
final class XMLSecKeyPool: Sendable {
    /// What a key is made from: the DER certificates it carries (empty for the signer's own key).
    typealias Identity = [[UInt8]]

    private let spare = Mutex<[Identity: [XMLSecKey]]>([:])
    private let identityLimit: Int

    /// Creates an empty pool that keeps spare keys for at most `identityLimit` different identities.
    init(identityLimit: Int = 64) {
        self.identityLimit = identityLimit
    }

    deinit {
        spare.withLock { entries in
            for keys in entries.values { for key in keys { xmlSecKeyDestroy(key.pointer) } }
            entries.removeAll()
        }
    }

    /// Runs `body` with a key for `identity` that nobody else uses meanwhile; `make` creates one when none is spare.
    ///
    /// The key is kept for the next call only when `keep` approves the result (say, only keys that verified
    /// a trusted signature), so that strangers' certificates do not take the places of partners' keys.
    func withKey<Result>(for identity: Identity, make: () -> xmlSecKeyPtr?, keep: (Result) -> Bool = { _ in true },
                         _ body: (xmlSecKeyPtr) throws -> Result) rethrows -> Result? {
        let key: XMLSecKey
        if let reused = spare.withLock({ $0[identity]?.popLast() }) {
            key = reused
        } else if let made = make() {
            key = XMLSecKey(pointer: made)
        } else {
            return nil
        }
        let result: Result
        do {
            result = try body(key.pointer)
        } catch {
            xmlSecKeyDestroy(key.pointer)
            throw error
        }
        if keep(result) { giveBack(key, for: identity) } else { xmlSecKeyDestroy(key.pointer) }
        return result
    }

    private func giveBack(_ key: XMLSecKey, for identity: Identity) {
        let kept = spare.withLock { entries -> Bool in
            if entries[identity] == nil && entries.count >= identityLimit { return false }
            entries[identity, default: []].append(key)
            return true
        }
        if !kept { xmlSecKeyDestroy(key.pointer) }
    }
}

/// An xmlsec key owned by one operation at a time (handed between threads only through the pool's lock).
private struct XMLSecKey: @unchecked Sendable {
    let pointer: xmlSecKeyPtr
}
