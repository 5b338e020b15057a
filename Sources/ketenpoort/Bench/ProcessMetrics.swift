import Foundation

/// Peak and current resident memory and CPU seconds of a process, read from `/proc/PID/status` and `/proc/PID/stat`.
struct ProcessMetrics: Codable, Sendable {
    /// Peak resident set size (VmHWM) in MiB.
    var peakRSSMiB: Double
    /// Current resident set size (VmRSS) in MiB.
    var rssMiB: Double
    /// User plus system CPU seconds consumed so far.
    var cpuSeconds: Double

    /// Reads the figures of `pid`; nil if the process is gone or /proc is unavailable.
    static func read(pid: Int32) -> ProcessMetrics? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return nil }
        func kibibytes(_ key: String) -> Double? {
            guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix(key + ":") }) else { return nil }
            return line.split(separator: " ").compactMap { Double($0) }.first
        }
        // Fields after the command name (which is in parentheses and may contain spaces): state is field 3, utime 14, stime 15.
        guard let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let utime = Double(fields[11]), let stime = Double(fields[12]) else { return nil }
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        return ProcessMetrics(peakRSSMiB: (kibibytes("VmHWM") ?? 0) / 1024, rssMiB: (kibibytes("VmRSS") ?? 0) / 1024,
                              cpuSeconds: (utime + stime) / max(ticks, 1))
    }
}

/// The machine's load, for stating the conditions of a measurement.
struct MachineLoad: Codable, Sendable {
    /// One-minute load average.
    var load1: Double
    /// Five-minute load average.
    var load5: Double
    /// Online processors.
    var cores: Int

    /// The current load averages from `/proc/loadavg`.
    static func now() -> MachineLoad {
        let text = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? ""
        let numbers = text.split(separator: " ").prefix(2).compactMap { Double($0) }
        return MachineLoad(load1: numbers.first ?? -1, load5: numbers.dropFirst().first ?? -1,
                           cores: ProcessInfo.processInfo.activeProcessorCount)
    }
}
