import Dispatch
import Foundation
import KetenpoortOperations

/// Redraws a text screen in place every few seconds, like `watch`, until SIGINT or SIGTERM.
enum WatchLoop {
    /// Clear the screen and move the cursor home.
    static let clearScreen = "\u{1B}[H\u{1B}[2J"

    /// Calls `frame` and redraws its text every `interval` seconds; returns when SIGINT or SIGTERM arrives.
    static func run(title: String, interval: Double, frame: @escaping @Sendable () async throws -> String) async throws {
        let (stops, stop) = AsyncStream<Int32>.makeStream()
        let sources = [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { stop.yield(number) }
            source.resume()
            return source
        }
        defer { sources.forEach { $0.cancel() } }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                while !Task.isCancelled {
                    let text = try await frame()
                    let header = "Every \(TimeText.duration(interval)): \(title)    \(TimeText.time(Date()))    (Ctrl-C to stop)"
                    FileHandle.standardOutput.write(Data((clearScreen + header + "\n\n" + text + "\n").utf8))
                    try await Task.sleep(for: .seconds(interval))
                }
            }
            group.addTask {
                for await _ in stops { return }
            }
            try await group.next()
            group.cancelAll()
        }
    }
}
