// store-bench: accept throughput with group commit, and queue operations with a large queue.
//
// Usage: store-bench [--deliveries N] [--accepts N] [--dir DIR] [--skip-queue] [--reuse-queue]
// Run in release: swift build -c release --product store-bench && .build/release/store-bench
import Crypto
import Foundation
import KetenpoortStore

/// Reads an integer option such as `--deliveries 1000000`.
func option(_ name: String, default value: Int) -> Int {
    let arguments = CommandLine.arguments
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count, let parsed = Int(arguments[index + 1]) else {
        return value
    }
    return parsed
}

/// The process's peak and current resident memory in MiB, from /proc/self/status.
func memoryMiB() -> (peak: Double, current: Double) {
    guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return (0, 0) }
    func field(_ name: String) -> Double {
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix(name) }) else { return 0 }
        let digits = line.split(separator: " ").compactMap { Double($0) }.first ?? 0
        return digits / 1024
    }
    return (field("VmHWM:"), field("VmRSS:"))
}

/// A fresh state directory under `base`.
func freshDirectory(_ base: String, _ name: String) throws -> String {
    let path = base + "/" + name
    try? FileManager.default.removeItem(atPath: path)
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// A message of about 2 KiB with a distinct id.
func message(_ id: String, urgent: Bool) -> IncomingMessage {
    let body = Data(String(repeating: "<Veld>waarde \(id)</Veld>", count: 64).utf8)
    let now = Date()
    return IncomingMessage(
        id: id, kind: "Zorgmelding", senderOIN: "00000099000000000001", digest: Data(SHA256.hash(data: body)),
        receivedAt: now, signedAt: now, urgent: urgent, payload: body, retentionDeadline: now.addingTimeInterval(86_400))
}

/// Accepts `total` messages from `callers` concurrent callers; returns the elapsed seconds.
func acceptLoad(_ store: SQLiteStore, callers: Int, total: Int, prefix: String, recipients: [String]) async throws -> Double {
    let start = Date()
    let perCaller = total / callers
    try await withThrowingTaskGroup(of: Void.self) { group in
        for caller in 0..<callers {
            group.addTask {
                for index in 0..<perCaller {
                    let id = "\(prefix)-\(caller)-\(index)"
                    _ = try await store.accept(message(id, urgent: index % 10 == 0), recipients: recipients)
                }
            }
        }
        try await group.waitForAll()
    }
    return Date().timeIntervalSince(start)
}

/// Times `body` in milliseconds.
func milliseconds<T>(_ body: () async throws -> T) async rethrows -> (T, Double) {
    let start = DispatchTime.now().uptimeNanoseconds
    let value = try await body()
    return (value, Double(DispatchTime.now().uptimeNanoseconds - start) / 1_000_000)
}

let base = CommandLine.arguments.firstIndex(of: "--dir").flatMap { index in
    index + 1 < CommandLine.arguments.count ? CommandLine.arguments[index + 1] : nil
} ?? NSTemporaryDirectory() + "store-bench"
let acceptsPerRun = option("--accepts", default: 20_000)
let targetDeliveries = option("--deliveries", default: 1_000_000)

print("# store-bench (synchronous=FULL, WAL); directory \(base)")
print("## accept throughput (1 recipient, ~2 KiB payload)")
print("callers | accepts | seconds | accepts/s | commits | commits per accept")
for callers in [1, 16, 64] {
    let directory = try freshDirectory(base, "accept-\(callers)")
    let store = try SQLiteStore.open(stateDirectory: directory)
    let total = callers == 1 ? min(acceptsPerRun, 3_000) : acceptsPerRun
    let seconds = try await acceptLoad(store, callers: callers, total: total, prefix: "a", recipients: ["SHN"])
    let stats = await store.statistics()
    let rate = Double(stats.acceptCalls) / seconds
    let perAccept = Double(stats.acceptCommits) / Double(stats.acceptCalls)
    print(String(format: "%7d | %7d | %7.2f | %9.0f | %7d | %.4f", callers, stats.acceptCalls, seconds, rate, stats.acceptCommits, perAccept))
    try store.close()
    try? FileManager.default.removeItem(atPath: directory)
}

if CommandLine.arguments.contains("--skip-queue") { exit(0) }
print("## queue with \(targetDeliveries) deliveries (4 recipients per message)")
let reuse = CommandLine.arguments.contains("--reuse-queue")
    && FileManager.default.fileExists(atPath: base + "/queue/" + SQLiteStore.databaseFileName)
let directory = reuse ? base + "/queue" : try freshDirectory(base, "queue")
let store = try SQLiteStore.open(stateDirectory: directory)
let partners = ["SHN", "OM", "VT-0363", "VT-0599"]
let messages = targetDeliveries / partners.count
var loaded = reuse ? messages : 0
if reuse { print("reusing the queue loaded by an earlier run in \(directory)") }
let loadStart = Date()
while loaded < messages {
    let chunk = min(50_000, messages - loaded)
    _ = try await acceptLoad(store, callers: 64, total: chunk, prefix: "q\(loaded)", recipients: partners)
    loaded += chunk
    let memory = memoryMiB()
    print(String(format: "loaded %8d deliveries in %6.1f s; peak RSS %.1f MiB, RSS %.1f MiB",
                 loaded * partners.count, Date().timeIntervalSince(loadStart), memory.peak, memory.current))
}
let now = Date().addingTimeInterval(1)
for round in 1...5 {
    let (batch, leaseMs) = try await milliseconds {
        try await store.leaseEveryPartner(owner: "bench", perPartner: 100 / partners.count, leaseDuration: 60, now: now)
    }
    let (counts, countMs) = try await milliseconds { try await store.countsByPartnerAndState() }
    let total = counts.reduce(0) { $0 + $1.count }
    print(String(format: "round %d: lease 100 -> %d in %.2f ms; count per partner+state (%d groups, %d deliveries) in %.2f ms",
                 round, batch.count, leaseMs, counts.count, total, countMs))
}
let (page, listMs) = try await milliseconds {
    try await store.listDeliveries(DeliveryFilter(partner: "VT-0363", state: .queued), after: nil, limit: 100)
}
print(String(format: "list 100 queued of VT-0363 in %.2f ms (%d rows)", listMs, page.count))
let memory = memoryMiB()
print(String(format: "peak RSS %.1f MiB (current %.1f MiB)", memory.peak, memory.current))
try store.close()
