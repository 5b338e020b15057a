// kp-store-writer: accepts messages into a store until it is killed (the crash test's victim).
//
// Usage: kp-store-writer STATE_DIR PREFIX [CONCURRENCY]
// Prints `ACK <id>` on stdout (one write(2) per line, unbuffered) after each accept has returned,
// and `READY` once the store is open. Also leases and settles deliveries with short leases,
// so that kills land in every kind of transaction.
import Crypto
import Foundation
import KetenpoortStore

/// Writes one line to stdout with a single write(2), so a kill never leaves a half-buffered line.
func emit(_ line: String) {
    let bytes = Array((line + "\n").utf8)
    bytes.withUnsafeBufferPointer { buffer in
        guard let base = buffer.baseAddress else { return }
        _ = write(STDOUT_FILENO, base, buffer.count)
    }
}

/// The payload the crash test expects for a message id.
func payload(for id: String) -> Data {
    Data(String(repeating: "<Bericht id=\"\(id)\">inhoud \(id)</Bericht>", count: 8).utf8)
}

let arguments = CommandLine.arguments
guard arguments.count >= 3 else {
    FileHandle.standardError.write(Data("usage: kp-store-writer STATE_DIR PREFIX [CONCURRENCY]\n".utf8))
    exit(2)
}
let directory = arguments[1]
let prefix = arguments[2]
let concurrency = arguments.count > 3 ? Int(arguments[3]) ?? 8 : 8

do {
    let store = try SQLiteStore.open(stateDirectory: directory)
    emit("READY")
    try await withThrowingTaskGroup(of: Void.self) { group in
        for worker in 0..<concurrency {
            group.addTask {
                var index = 0
                while true {
                    let id = "\(prefix)-\(worker)-\(index)"
                    let body = payload(for: id)
                    let now = Date()
                    let message = IncomingMessage(
                        id: id, kind: "Zorgmelding", senderOIN: "00000099000000000001",
                        digest: Data(SHA256.hash(data: body)), receivedAt: now, signedAt: now,
                        urgent: index % 5 == 0, payload: body, retentionDeadline: now.addingTimeInterval(86_400))
                    _ = try await store.accept(message, recipients: ["SHN", "VT-0363"])
                    emit("ACK \(id)")
                    index += 1
                }
            }
        }
        group.addTask {
            let owner = "writer-\(prefix)"
            var round = 0
            while true {
                let leased = try await store.leaseEveryPartner(owner: owner, perPartner: 10, leaseDuration: 2, now: Date())
                for (position, item) in leased.enumerated() where (position + round) % 3 == 0 {
                    _ = try await store.deliver(item.delivery.id, owner: owner, token: item.token, receipt: Data("ok".utf8), now: Date())
                }
                round += 1
                try await Task.sleep(nanoseconds: 20_000_000)
            }
        }
        try await group.waitForAll()
    }
} catch {
    FileHandle.standardError.write(Data("kp-store-writer: \(error)\n".utf8))
    exit(1)
}
