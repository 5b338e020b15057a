import Foundation
import Histogram

/// What a load run produced.
struct LoadResult: Sendable {
    /// Requests sent.
    var sent = 0
    /// Requests answered 202.
    var accepted = 0
    /// Requests answered with another status.
    var rejected = 0
    /// Requests that failed without an answer.
    var failed = 0
    /// Latency of accepted requests in microseconds.
    var latency = LatencySummary.makeHistogram()
    /// Accepted message id → wall-clock time (seconds since 1970) the POST started.
    var acceptedAt: [String: Double] = [:]
    /// Every message id sent, accepted or not.
    var sentIds: [String] = []
    /// Status codes other than 202 and how often.
    var otherStatuses: [Int: Int] = [:]
    /// Seconds from the first request to the last answer.
    var elapsed: Double = 0

    /// Adds one request's outcome.
    mutating func record(id: String, status: Int?, micros: UInt64, startedAt: Double) {
        sent += 1
        sentIds.append(id)
        switch status {
        case 202?:
            accepted += 1
            _ = latency.record(max(1, micros))
            acceptedAt[id] = startedAt
        case let code?:
            rejected += 1
            otherStatuses[code, default: 0] += 1
        case nil:
            failed += 1
        }
    }

    /// Merges another worker's result.
    mutating func merge(_ other: LoadResult) {
        sent += other.sent
        accepted += other.accepted
        rejected += other.rejected
        failed += other.failed
        latency.add(other.latency)
        acceptedAt.merge(other.acceptedAt) { first, _ in first }
        sentIds += other.sentIds
        otherStatuses.merge(other.otherStatuses, uniquingKeysWith: +)
    }
}

/// Closed-loop and open-loop load against the intake; both bounded in count and time.
struct LoadGenerator: Sendable {
    /// The client to post with.
    let client: BenchIntakeClient
    /// The messages to post.
    let messages: BenchMessages
    /// Hard bound on requests per run.
    let maxRequests: Int

    /// `connections` workers each post, wait for the answer, and post again, until `seconds` have passed.
    func closedLoop(connections: Int, seconds: Double) async -> LoadResult {
        let start = DispatchTime.now().uptimeNanoseconds
        let deadline = start + UInt64(seconds * 1e9)
        let perWorker = max(1, maxRequests / max(1, connections))
        var total = await withTaskGroup(of: LoadResult.self) { group in
            for worker in 0..<connections {
                group.addTask {
                    var result = LoadResult()
                    var index = worker
                    while DispatchTime.now().uptimeNanoseconds < deadline, result.sent < perWorker {
                        let message = messages.make(index)
                        index += connections
                        let wall = Date().timeIntervalSince1970
                        let begin = DispatchTime.now().uptimeNanoseconds
                        let status = await client.post(message.body)
                        result.record(id: message.id, status: status, micros: (DispatchTime.now().uptimeNanoseconds - begin) / 1000, startedAt: wall)
                    }
                    return result
                }
            }
            var merged = LoadResult()
            for await result in group { merged.merge(result) }
            return merged
        }
        total.elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return total
    }

    /// Starts a request every 1/`rate` seconds for `seconds`, whatever the answers; latency counts from the intended start
    /// (no coordinated omission). `stop` ends the run early when it returns true.
    func openLoop(rate: Double, seconds: Double, stop: @Sendable () -> Bool = { false }) async -> LoadResult {
        let count = min(maxRequests, Int(rate * seconds))
        let start = DispatchTime.now().uptimeNanoseconds
        let interval = 1e9 / rate
        var total = await withTaskGroup(of: LoadResult.self) { group in
            var merged = LoadResult()
            var index = 0
            while index < count, !stop() {
                let intended = start + UInt64(Double(index) * interval)
                let now = DispatchTime.now().uptimeNanoseconds
                if intended > now { try? await Task.sleep(nanoseconds: intended - now) }
                let message = messages.make(index)
                group.addTask {
                    var result = LoadResult()
                    let wall = Date().timeIntervalSince1970
                    let status = await client.post(message.body)
                    result.record(id: message.id, status: status, micros: (DispatchTime.now().uptimeNanoseconds - intended) / 1000, startedAt: wall)
                    return result
                }
                index += 1
            }
            for await result in group { merged.merge(result) }
            return merged
        }
        total.elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return total
    }
}
