import Synchronization

/// Identities of recently seen client certificates, so a keep-alive connection's requests do not re-parse the same certificate.
final class PeerIdentityCache: Sendable {
    /// The cache shared by every listener in the process.
    static let shared = PeerIdentityCache(capacity: 1024)

    private let capacity: Int
    private let entries = Mutex<[[UInt8]: PeerIdentity]>([:])

    /// Creates a cache that forgets everything once it holds `capacity` certificates.
    init(capacity: Int) {
        self.capacity = capacity
    }

    /// The identity of `certificateDER`, parsed once.
    func identity(certificateDER: [UInt8]) throws -> PeerIdentity {
        if let known = entries.withLock({ $0[certificateDER] }) { return known }
        let identity = try PeerIdentity(certificateDER: certificateDER)
        entries.withLock { entries in
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[certificateDER] = identity
        }
        return identity
    }
}
