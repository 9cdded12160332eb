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
    /// How helpers that work ahead step back.
    public enum BackgroundPolicy: String, Sendable {
        /// Nice value raised by `niceIncrement`: ~1.5 % of a normal thread's share while
        /// they contend, so a helper still progresses when other processes keep every core busy.
        case nice
        /// `SCHED_IDLE`: a normal thread waking up preempts it at once, where a nice 19
        /// thread may first finish its slice. On the 2-core VM the simulation thread was
        /// preempted ~14K times an hour instead of ~40–50K and the ingest worker waited
        /// ~1.6 s for a CPU instead of ~3.3 s. The cost: while other processes keep every
        /// core busy a helper gets ~0.3 % of one (weight 3 of 1024), so the consumer
        /// waiting on it crawls. The `atlas` command uses it (a run is measured alone);
        /// the library and the tests, which run beside each other, keep `nice`.
        case idle
    }

    /// `ATLAS_BACKGROUND_POLICY` (`nice` or `idle`), read once; `nice` when unset, and
    /// (with a warning on stderr naming the variable) when it holds anything else.
    public static let backgroundPolicy: BackgroundPolicy = {
        guard let s = ProcessInfo.processInfo.environment["ATLAS_BACKGROUND_POLICY"] else { return .nice }
        guard let p = BackgroundPolicy(rawValue: s) else {
            FileHandle.standardError.write(Data("atlas: ATLAS_BACKGROUND_POLICY=\(s) is neither nice nor idle; using nice\n".utf8))
            return .nice
        }
        return p
    }()

    /// The nice increment for helpers that work ahead: `ATLAS_BACKGROUND_NICE` (0 turns
    /// it off, for A/B measurements), default 19 — the lowest nice level, ~1.5 % of a
    /// normal thread's CPU share while they contend (10 left the simulation thread 1 s
    /// more an hour waiting for a CPU). Used by `BackgroundPolicy.nice`.
    public static let niceIncrement: Int32 = {
        guard let s = ProcessInfo.processInfo.environment["ATLAS_BACKGROUND_NICE"], let n = Int32(s) else { return 19 }
        return Swift.max(0, Swift.min(19, n))
    }()

    /// Starts a thread named `name` running `body`; with `worksAhead`, stepped back by
    /// `policy`.
    public static func start(name: String, worksAhead: Bool, policy: BackgroundPolicy = backgroundPolicy,
                             _ body: @escaping @Sendable () -> Void) {
        Thread {
            Self.name(name)
            if worksAhead { lowerPriority(policy) }
            body()
        }.start()
    }

    /// Names the calling thread as `top -H` and `perf` show it (the kernel keeps 15 bytes).
    private static func name(_ name: String) {
        #if os(Linux)
        _ = atlas_set_thread_name(name)
        #endif
    }

    /// Lowers the calling thread's priority by `policy` (a hint: left as it is where the
    /// kernel refuses).
    private static func lowerPriority(_ policy: BackgroundPolicy) {
        #if os(Linux)
        if policy == .idle {
            _ = atlas_set_idle_policy()
            return
        }
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

    /// Whether the calling thread runs under `SCHED_IDLE` (false where there is none).
    public static func hasIdlePolicy() -> Bool {
        #if os(Linux)
        return atlas_has_idle_policy() != 0
        #else
        return false
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
