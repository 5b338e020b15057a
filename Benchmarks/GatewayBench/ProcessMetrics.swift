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

extension ProcessMetrics {
    /// CPU seconds of `root` and every live child, each including what its exited, reaped children used
    /// (`cutime`/`cstime`): for a server that forks a process per connection, e.g. the PostgreSQL postmaster.
    static func treeCPUSeconds(root: Int32) -> Double? {
        guard let own = cpuFields(pid: root) else { return nil }
        var total = own.total
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        for entry in entries {
            guard let pid = Int32(entry), pid != root, let fields = cpuFields(pid: pid), fields.parent == root else { continue }
            total += fields.total
        }
        return total
    }

    /// The parent pid and the CPU seconds of a process including its reaped children, from `/proc/PID/stat`.
    private static func cpuFields(pid: Int32) -> (parent: Int32, total: Double)? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = stat.lastIndex(of: ")") else { return nil }
        // After the name: state (3), ppid (4), … utime (14), stime (15), cutime (16), cstime (17).
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 15, let parent = Int32(fields[1]) else { return nil }
        let ticks = fields[11...14].compactMap { Double($0) }.reduce(0, +)
        return (parent, ticks / max(Double(sysconf(Int32(_SC_CLK_TCK))), 1))
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
