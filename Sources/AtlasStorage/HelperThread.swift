import Foundation
#if canImport(Glibc)
import Glibc
import CThreadTuning
#endif

/// Starts the project's helper threads (arrival producers, the ingest worker, the
/// prefaulter, SQLite's background work): each is named, and those that work ahead of a
/// consumer step back in priority, so that on a machine with few cores the thread
/// everyone waits for, the simulation, is not preempted by work that has slack.
///
/// Only timing changes: every helper hands its results over through a queue the
/// consumer waits on, so a run's output is the same bytes at any priority.
/// Measured on the 2-core project VM: README, Benchmarks (baseline scenario).
public enum HelperThread {
    /// The nice increment for helpers that work ahead: `ATLAS_BACKGROUND_NICE` (0 turns
    /// it off, for A/B measurements), default 19 — the lowest nice level, ~1.5 % of a
    /// normal thread's CPU share while they contend (10 left the simulation thread 1 s
    /// more an hour waiting for a CPU). Not `SCHED_IDLE`: a helper must still progress
    /// when other processes keep every core busy.
    public static let niceIncrement: Int32 = {
        guard let s = ProcessInfo.processInfo.environment["ATLAS_BACKGROUND_NICE"], let n = Int32(s) else { return 19 }
        return Swift.max(0, Swift.min(19, n))
    }()

    /// Starts a thread named `name` running `body`; with `worksAhead`, at a priority
    /// lowered by `niceIncrement`.
    public static func start(name: String, worksAhead: Bool, _ body: @escaping @Sendable () -> Void) {
        Thread {
            Self.name(name)
            if worksAhead { lowerPriority() }
            body()
        }.start()
    }

    /// Names the calling thread as `top -H` and `perf` show it (the kernel keeps 15 bytes).
    private static func name(_ name: String) {
        #if os(Linux)
        _ = atlas_set_thread_name(name)
        #endif
    }

    /// Lowers the calling thread's priority by `niceIncrement` (a hint: left as it is
    /// where the nice value cannot be read).
    private static func lowerPriority() {
        #if os(Linux)
        guard niceIncrement > 0, let current = currentNice() else { return }
        // On Linux a nice value belongs to the thread (its kernel id), not the process.
        _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), id_t(atlas_thread_id()), Swift.min(19, current + niceIncrement))
        #endif
    }

    /// A spin-wait hint for a short wait on another thread (the CPU's pause instruction).
    @inline(__always)
    public static func spinPause() {
        #if os(Linux)
        atlas_cpu_relax()
        #endif
    }

    /// The calling thread's nice value (nil where it cannot be read).
    public static func currentNice() -> Int32? {
        #if os(Linux)
        errno = 0
        let n = getpriority(__priority_which_t(PRIO_PROCESS.rawValue), id_t(atlas_thread_id()))
        return errno == 0 ? n : nil
        #else
        return nil
        #endif
    }
}
