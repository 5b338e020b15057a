import Foundation

/// The partner's inbox directory: one `<BerichtId>.xml` per accepted message, deduplicated on the id.
///
/// An actor, so deliveries of the same id (retries racing each other) are handled one after the other.
actor PartnerInbox {
    /// What storing a message did.
    enum StoreResult: Sendable, Equatable {
        /// Written now.
        case stored
        /// The same id with the same bytes was stored before; nothing written.
        case duplicate
        /// The same id with other bytes was stored before; nothing written.
        case conflict
    }

    /// The inbox directory.
    let directory: String
    private var digests: [String: String] = [:]

    /// An inbox in `directory` (created when needed).
    init(directory: String) {
        self.directory = directory
    }

    /// Stores `bytes` as `<messageId>.xml` unless that id is already there. `messageId` must be a contract UUID.
    func store(messageId: String, bytes: Data) throws -> StoreResult {
        let digest = MessageDigest.sha256Base64(bytes)
        if let existing = try existingDigest(messageId) {
            return existing == digest ? .duplicate : .conflict
        }
        try AtomicFileWriter.ensureDirectory(directory)
        try AtomicFileWriter.write(bytes, to: directory, name: Self.fileName(messageId))
        digests[messageId] = digest
        return .stored
    }

    /// The path of a message's file.
    nonisolated func path(of messageId: String) -> String {
        (directory as NSString).appendingPathComponent(Self.fileName(messageId))
    }

    private func existingDigest(_ messageId: String) throws -> String? {
        if let known = digests[messageId] { return known }
        guard let data = FileManager.default.contents(atPath: path(of: messageId)) else { return nil }
        let digest = MessageDigest.sha256Base64(data)
        digests[messageId] = digest
        return digest
    }

    private static func fileName(_ messageId: String) -> String { messageId + ".xml" }
}
