import Foundation

/// The machine and date every benchmark prints beside its figures.
enum MachineInfo {
    static var cpuModel: String {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return "unknown CPU" }
        for line in text.split(separator: "\n") where line.hasPrefix("model name") {
            return line.split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) } ?? "unknown CPU"
        }
        return "unknown CPU"
    }

    static var summary: String {
        let mem = ProcessInfo.processInfo.physicalMemory / (1 << 30)
        let date = ISO8601DateFormatter().string(from: Date())
        return "machine: \(ProcessInfo.processInfo.activeProcessorCount) cores, \(cpuModel), \(mem) GiB RAM; date: \(date)"
            + (loadAverage.map { "; load average \($0) at start" } ?? "")
    }

    /// The 1-, 5- and 15-minute load averages (/proc/loadavg): on a small machine another
    /// job running, or one that just ended, moves every figure, so each run says what it met.
    static var loadAverage: String? {
        guard let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) else { return nil }
        let fields = text.split(separator: " ").prefix(3)
        return fields.count == 3 ? fields.joined(separator: " ") : nil
    }

    /// Peak resident set size of this process (VmHWM), in MiB.
    static var peakRSSMiB: Double {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in text.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let kb = line.split(separator: " ").compactMap { Double($0) }.first ?? 0
            return kb / 1024
        }
        return 0
    }
}

/// Monotonic seconds for measuring wall durations in drivers.
func monotonicSeconds() -> Double { clockSeconds(CLOCK_MONOTONIC) }

/// CPU time of the calling thread (user + system).
func threadCPUSeconds() -> Double { clockSeconds(CLOCK_THREAD_CPUTIME_ID) }

private func clockSeconds(_ clock: clockid_t) -> Double {
    var ts = timespec()
    clock_gettime(clock, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// Exact percentile (nearest-rank) of a small sample, for benchmark summaries.
func percentile(_ xs: [Double], _ p: Double) -> Double {
    guard !xs.isEmpty else { return .nan }
    let s = xs.sorted()
    let rank = Int((p * Double(s.count)).rounded(.up)) - 1
    return s[min(max(rank, 0), s.count - 1)]
}
