import Crypto
import Foundation
import GRDB
import KetenpoortStore

/// A real SQLite store (file, WAL, payload keys) in a fresh temporary directory; there is no in-memory fake.
public final class TemporaryStore: Sendable {
    /// The state directory.
    public let directory: String
    /// The store opened on it.
    public let store: SQLiteStore

    /// Creates a temporary state directory and opens a store in it.
    public init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("kp-testing-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        store = try SQLiteStore.open(stateDirectory: directory)
    }

    /// Closes the store and deletes the directory.
    public func remove() {
        try? store.close()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Accepts a message for `partners`, received (and so due) at `receivedAt`; returns its id.
    @discardableResult
    public func accept(partners: [String], receivedAt: Date, urgent: Bool = false,
                       id: String = UUID().uuidString.lowercased()) async throws -> String {
        let payload = Data("<Zorgmelding id=\"\(id)\">test payload</Zorgmelding>".utf8)
        let message = IncomingMessage(
            id: id, kind: "Zorgmelding", senderOIN: "00000099000000000001", digest: Data(SHA256.hash(data: payload)),
            receivedAt: receivedAt, signedAt: receivedAt, urgent: urgent, payload: payload,
            retentionDeadline: receivedAt.addingTimeInterval(86_400))
        _ = try await store.accept(message, recipients: partners)
        return id
    }

    /// Flips one byte of the message's sealed payload in the database file, as disk corruption or tampering would.
    public func corruptPayload(messageId: String) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        let queue = try DatabaseQueue(path: store.databasePath, configuration: configuration)
        try queue.write { db in
            guard var sealed = try Data.fetchOne(db, sql: "SELECT payload FROM messages WHERE id = ?", arguments: [messageId]),
                  !sealed.isEmpty else {
                throw StoreError.messageNotFound(messageId: messageId)
            }
            let middle = sealed.startIndex + sealed.count / 2
            sealed[middle] ^= 0xFF
            try db.execute(sql: "UPDATE messages SET payload = ? WHERE id = ?", arguments: [sealed, messageId])
        }
        try queue.close()
    }

    /// The deliveries of `partner` in `state`.
    public func deliveries(of partner: String, in state: DeliveryState? = nil) async throws -> [DeliveryRecord] {
        try await store.listDeliveries(DeliveryFilter(partner: partner, state: state), after: nil, limit: 100_000)
    }
}
