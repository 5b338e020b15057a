import Foundation
import KetenpoortPKI
import Logging
import NIOConcurrencyHelpers
import X509

/// Answers "is this certificate revoked?" from CRL files the operator configures and refreshes.
///
/// The files are read at start (each list must be signed by one of the trusted CAs) and read again, without a
/// restart, when a file's modification time changes (looked at most every `refreshSeconds`). A file that cannot be
/// read or verified on reload keeps the lists loaded before (logged); a revoked certificate never becomes good
/// because a list went missing. Checked per request, so a resumed TLS session does not outlive a revocation.
public final class RevocationChecker: Sendable {
    private struct State {
        var lists: [RevocationList] = []
        var modified: [String: Date] = [:]
        var lastLook = Date.distantPast
    }

    private let files: [String]
    private let anchors: [Certificate]
    private let refreshSeconds: Double
    private let logger: Logger
    private let state = NIOLockedValueBox(State())

    /// Loads the lists in `files`, verified against the CA certificates in `trustedCAFiles`; throws naming a bad file.
    public init(files: [String], trustedCAFiles: [String], refreshSeconds: Double = 30, logger: Logger) throws {
        self.files = files
        self.anchors = try trustedCAFiles.flatMap { try CertificateInfo.loadBundle(file: $0).map(\.certificate) }
        self.refreshSeconds = refreshSeconds
        self.logger = logger
        let loaded = try Self.load(files, anchors: anchors)
        state.withLockedValue { state in
            state.lists = loaded.lists
            state.modified = loaded.modified
            state.lastLook = Date()
        }
    }

    /// Whether any loaded list revokes the certificate (DER); reloads changed files first when a look is due.
    public func isRevoked(certificateDER: [UInt8], now: Date = Date()) -> Bool {
        guard !files.isEmpty, let certificate = try? Certificate(derEncoded: certificateDER) else { return false }
        refreshIfDue(now: now)
        return state.withLockedValue { $0.lists }.contains { $0.revokes(certificate) }
    }

    /// The lists in force.
    public var lists: [RevocationList] {
        state.withLockedValue { $0.lists }
    }

    /// Lines about lists past their next update at `now` (for `config check` and the log).
    public func staleLists(at now: Date = Date()) -> [String] {
        lists.filter { $0.isStale(at: now) }.map { list in
            "the revocation list of \(list.issuer) was due again at \(list.nextUpdate.map { "\($0)" } ?? "?"); refresh it"
        }
    }

    private func refreshIfDue(now: Date) {
        let due = state.withLockedValue { state -> Bool in
            guard now.timeIntervalSince(state.lastLook) >= refreshSeconds else { return false }
            state.lastLook = now
            return true
        }
        guard due else { return }
        let current = Self.modificationTimes(files)
        guard current != state.withLockedValue({ $0.modified }) else { return }
        do {
            let loaded = try Self.load(files, anchors: anchors)
            state.withLockedValue { state in
                state.lists = loaded.lists
                state.modified = loaded.modified
            }
            logger.notice("revocation lists reloaded", metadata: ["lists": "\(loaded.lists.count)",
                                                                  "revoked": "\(loaded.lists.reduce(0) { $0 + $1.revokedSerials.count })"])
        } catch {
            logger.error("revocation lists not reloaded; the lists loaded before stay in force", metadata: ["error": "\(error)"])
        }
    }

    private static func load(_ files: [String], anchors: [Certificate]) throws -> (lists: [RevocationList], modified: [String: Date]) {
        var lists: [RevocationList] = []
        for file in files {
            for list in try RevocationList.load(file: file) {
                guard anchors.contains(where: { list.isSigned(by: $0) }) else {
                    throw PKIError.invalidCertificate(source: file, reason: "the revocation list of \(list.issuer) is not signed by a trusted CA")
                }
                lists.append(list)
            }
        }
        return (lists, modificationTimes(files))
    }

    private static func modificationTimes(_ files: [String]) -> [String: Date] {
        var times: [String: Date] = [:]
        for file in files {
            times[file] = (try? FileManager.default.attributesOfItem(atPath: file))?[.modificationDate] as? Date
        }
        return times
    }
}
