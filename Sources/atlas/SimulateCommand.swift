import ArgumentParser
import AtlasReport
import AtlasSim
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Exit codes of `atlas simulate` and `atlas scenario check` (documented in docs/scenario-schema.md).
enum SimulateExit {
    static let passed: Int32 = 0
    static let runtimeError: Int32 = 1
    static let sloFailed: Int32 = 2
    static let scenarioError: Int32 = 64
}

/// `atlas simulate scenarios/NAME.yaml`: runs a scenario's replications, evaluates its
/// SLOs and writes results/<scenario>/<run-id>/.
struct Simulate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a scenario file: simulated replicas, cache, faults, SLO verdicts, reports.",
        discussion: """
            Exit codes: 0 every SLO passed; 1 runtime error; 2 an SLO failed (the failing seeds are printed; \
            `--seed S` replays one exactly); 64 usage or scenario-file error.
            """)

    @Argument(help: "Scenario file (YAML), e.g. scenarios/baseline.yaml.") var scenario: String
    @Option(help: "Run one replication with this seed (replays a failing replication exactly).") var seed: UInt64?
    @Option(help: "Override the scenario's replications.") var replications: Int?
    @Option(help: "Override the scenario's durationSeconds.") var durationSeconds: Double?
    @Option(help: "Override the store: memory or discard.") var store: String?
    @Option(help: "Results root.") var results = "results"
    @Option(help: "Tidy CSV root.") var notebooks = "notebooks-data"
    @Option(help: "Run id (directory name); default: UTC time and seed.") var runID: String?
    @Flag(help: "Print only the verdict line.") var quiet = false
    @Flag(help: "Print summary.json to stdout instead of the table.") var json = false

    func run() throws {
        var config: ScenarioConfig
        do { config = try ScenarioLoader.load(path: scenario) } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(SimulateExit.scenarioError)
        }
        if let r = replications {
            guard r >= 1 else { throw usage("--replications must be ≥ 1") }
            config.replications = r
        }
        if let d = durationSeconds {
            guard d > 0, d.isFinite else { throw usage("--duration-seconds must be > 0") }
            config.durationSeconds = d
        }
        if let s = store {
            guard let k = ScenarioConfig.StoreKind(rawValue: s) else { throw usage("--store must be memory or discard") }
            config.store = k
        }
        let outcome: ScenarioOutcome, dir: String, timing: RunTiming
        do {
            (outcome, dir, timing) = try SimulationDriver.run(config, seed: seed, resultsRoot: results, notebooksRoot: notebooks,
                                                            runID: runID, showProgress: !quiet && !json)
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(SimulateExit.runtimeError)
        }
        if json {
            print(try String(contentsOfFile: "\(dir)/summary.json", encoding: .utf8), terminator: "")
        } else if quiet {
            print("\(outcome.passed ? "PASS" : "FAIL") \(config.name) → \(dir)")
        } else {
            print(SimulationDriver.screen(outcome, dir: dir, timing: timing, scenarioPath: scenario))
        }
        if !outcome.passed { throw ExitCode(SimulateExit.sloFailed) }
    }

    func usage(_ m: String) -> ExitCode {
        FileHandle.standardError.write(Data("error: \(m)\n".utf8))
        return ExitCode(SimulateExit.scenarioError)
    }
}

/// The entry point `atlas run` (make run) calls: runs scenarios/baseline.yaml with its
/// own settings and returns the results directory. Throws on a scenario or runtime
/// error; an SLO failure is reported in the directory and the printed summary, not thrown.
func runBaselineForMakeRun(resultsRoot: String, scenarioPath: String = "scenarios/baseline.yaml",
                           notebooksRoot: String = "notebooks-data") throws -> String {
    let config = try ScenarioLoader.load(path: scenarioPath)
    let (outcome, dir, timing) = try SimulationDriver.run(config, seed: nil, resultsRoot: resultsRoot,
                                                        notebooksRoot: notebooksRoot, runID: nil, showProgress: true)
    print(SimulationDriver.screen(outcome, dir: dir, timing: timing, scenarioPath: scenarioPath))
    return dir
}

/// How long a run took, and how much of it the simulation thread computed: on a machine
/// with few cores that thread is the bound (the helpers work beside it), so CPU-s near the
/// wall time say the run was as fast as that thread, and the rest is waiting.
struct RunTiming {
    var wallSeconds: Double
    var simulationThreadCPUSeconds: Double
}

/// Runs, times, writes, and formats (shared by `simulate` and `run`).
enum SimulationDriver {
    static func run(_ config: ScenarioConfig, seed: UInt64?, resultsRoot: String, notebooksRoot: String?,
                    runID: String?, showProgress: Bool) throws -> (ScenarioOutcome, String, RunTiming) {
        let tty = isatty(STDERR_FILENO) != 0
        let reps = seed == nil ? config.replications : 1
        let t0 = monotonicSeconds()
        let cpu0 = threadCPUSeconds()
        var lastPlain = -1
        var lastEvents = 0, lastT = t0
        let outcome = try ScenarioRunner.run(config, seedOverride: seed) { rep, p in
            guard showProgress else { return }
            let now = monotonicSeconds()
            let rate = Double(p.events - lastEvents) / Swift.max(1e-9, now - lastT)
            lastEvents = p.events
            lastT = now
            let done = (Double(rep) + Swift.min(1, p.simulatedSeconds / p.totalSeconds)) / Double(reps)
            let eta = done > 0 ? (now - t0) * (1 - done) / done : 0
            if tty {
                let line = String(format: "\r\u{1B}[Kreplication %d/%d  sim %.0f/%.0f s%@  %.2fM events/s  elapsed %.0f s  ETA %.0f s",
                                  rep + 1, reps, p.simulatedSeconds, p.totalSeconds, p.draining ? " (drain)" : "",
                                  rate / 1e6, now - t0, eta)
                FileHandle.standardError.write(Data(line.utf8))
            } else {
                let decile = Int(done * 10)
                if decile > lastPlain {
                    lastPlain = decile
                    FileHandle.standardError.write(Data(String(format: "progress %3.0f%%  replication %d/%d  sim %.0f s  %.2fM events/s\n",
                                                               done * 100, rep + 1, reps, p.simulatedSeconds, rate / 1e6).utf8))
                }
            }
            if p.draining { lastEvents = 0 }
        }
        if showProgress && tty { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        let wall = monotonicSeconds() - t0
        let timing = RunTiming(wallSeconds: wall, simulationThreadCPUSeconds: threadCPUSeconds() - cpu0)
        let stamp = ISO8601DateFormatter().string(from: Date()).replacingOccurrences(of: ":", with: "")
        let id = runID ?? "\(stamp)-s\(outcome.runs[0].summary.seed)"
        let simulated = outcome.runs.reduce(0.0) { $0 + $1.summary.simulatedSeconds + $1.summary.drainSeconds }
        let events = outcome.runs.reduce(0) { $0 + $1.summary.events }
        let wallInfo = [
            "wall_seconds": String(format: "%.3f", wall),
            "speedup_vs_real_time": String(format: "%.1f", simulated / wall),
            "events_per_second": String(format: "%.0f", Double(events) / wall),
            "simulation_thread_cpu_seconds": String(format: "%.3f", timing.simulationThreadCPUSeconds),
            "machine": MachineInfo.summary,
            "peak_rss_mib": String(format: "%.0f", MachineInfo.peakRSSMiB),
        ]
        let dir = try ResultsWriter.write(outcome, resultsRoot: resultsRoot, runID: id, notebooksRoot: notebooksRoot, wall: wallInfo)
        return (outcome, dir, timing)
    }

    static func count(_ n: Int) -> String {
        n >= 10_000_000 ? String(format: "%.1fM", Double(n) / 1e6)
            : n >= 10_000 ? String(format: "%.1fK", Double(n) / 1e3) : String(n)
    }

    static func pad(_ s: String, _ n: Int, left: Bool = false) -> String {
        s.count >= n ? s : left ? String(repeating: " ", count: n - s.count) + s : s + String(repeating: " ", count: n - s.count)
    }

    /// The final summary: one screen.
    static func screen(_ o: ScenarioOutcome, dir: String, timing: RunTiming, scenarioPath: String) -> String {
        let wall = timing.wallSeconds
        let s = o.runs[0].summary
        let report = o.report()
        let simulated = o.runs.reduce(0.0) { $0 + $1.summary.simulatedSeconds + $1.summary.drainSeconds }
        let events = o.runs.reduce(0) { $0 + $1.summary.events }
        var out = "atlas simulate \(o.config.name) — \(o.runs.count) replication(s), seed\(o.runs.count > 1 ? "s" : "") "
            + o.runs.map { String($0.summary.seed) }.joined(separator: ", ") + ", store \(s.store)\n"
        out += String(format: "  %.0f simulated s in %.1f s wall: %.0fx real time, %.2fM events/s; simulation thread %.1f CPU-s (%.0f%% of the wall)\n",
                      simulated, wall, simulated / wall, Double(events) / wall / 1e6,
                      timing.simulationThreadCPUSeconds, 100 * timing.simulationThreadCPUSeconds / Swift.max(wall, 1e-9))
        out += String(format: "writes  acked %@  refused %@  lost %d (sampled %d, lost %d, expected %d)  availability %.5f\n",
                      count(s.writes.acknowledged), count(s.writes.refused), s.writes.lost, s.verification.sampled,
                      s.verification.lost, s.verification.expectedLost, s.writes.availability)
        out += String(format: "        ingest→visible ms p50 %.1f p99 %.1f max %.1f; replayed from log %d; max staged %@\n",
                      s.writes.ingestToVisibleMs.p50, s.writes.ingestToVisibleMs.p99, s.writes.ingestToVisibleMs.max,
                      s.writes.replayedFromLog, count(s.writes.maxStagedRows))
        out += "reads   \(count(s.reads.total)) by source: "
            + s.reads.bySource.keys.sorted().map { "\($0) \(count(s.reads.bySource[$0]!))" }.joined(separator: ", ") + "\n"
        out += "  level       reads     p50 ms   p99 ms  p99.9 ms    max ms   stale  ryw-viol  errors\n"
        for level in ["strong", "eventual", "analytics"] {
            guard let l = s.reads.byLevel[level] else { continue }
            out += "  " + pad(level, 9) + " " + pad(count(l.reads), 8, left: true)
                + String(format: "  %8.2f %8.2f %9.2f %9.1f %7d %9d %7d\n", l.latencyMs.p50, l.latencyMs.p99, l.latencyMs.p999, l.latencyMs.max,
                          l.stale, l.readYourWritesViolations, l.errors)
        }
        out += String(format: "  cache hit %.1f%%  fallback→primary %.2f%%  breaker trips %d  replica errors %d\n",
                      s.reads.cacheHitRate * 100, s.reads.fallbackRate * 100, s.reads.breakerTrips, s.reads.replicaErrors)
        out += "  cache fills " + count(s.reads.cacheFills) + ", refused fills " + count(s.reads.cacheRefusedFills)
            + ", point lookups with no entity (not cached) " + count(s.reads.emptyAnswers) + "\n"
        out += "  replica lag p95/max s: " + s.replicas.map { String(format: "%@ %.2f/%.2f", $0.name, $0.lagSeconds.p95, $0.lagSeconds.max) }
            .joined(separator: ", ") + "\n"
        if !s.faults.isEmpty { out += "faults  " + s.faults.prefix(4).map { String(format: "%@@%.0fs", $0.kind, $0.atSeconds) }.joined(separator: ", ")
            + (s.faults.count > 4 ? " (+\(s.faults.count - 4))" : "") + "\n" }
        out += "SLOs\n"
        for v in report.slos {
            let ci = v.observedHalfWidth.map { String(format: " ± %.4g", $0) } ?? ""
            out += "  \(v.passed ? "PASS" : "FAIL")  " + pad(v.metric, 26) + " " + pad(v.threshold, 14)
                + (v.observedMean.map { String(format: " observed %.4g", $0) } ?? " no data")
                + String(format: "%@%@\n", ci,
                          v.failingSeeds.isEmpty ? "" : "  failing seeds: " + v.failingSeeds.map(String.init).joined(separator: " "))
        }
        out += "verdict \(o.passed ? "PASS" : "FAIL")  →  \(dir)"
        if !o.passed, let seed = o.failingSeeds.first {
            out += "\nreplay a failing replication: atlas simulate \(scenarioPath) --seed \(seed)"
        }
        return out
    }
}
