import ArgumentParser
import AtlasCore
import AtlasSim
import AtlasStats
import AtlasStorage
import Foundation

/// `atlas bench sim`: the DES kernel beside SimPy on the same M/M/c model, and the
/// headline run (the real write path on MemoryStore at 10K writes/s over 200M ids).
struct BenchSim: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sim",
        abstract: "Benchmark the simulator: kernel vs SimPy (M/M/c), and the headline write-path run.",
        discussion: "Build with `swift build -c release` first; debug numbers are meaningless.")

    // Kernel vs SimPy.
    @Flag(name: .long, help: "Skip the kernel vs SimPy benchmark.") var skipKernel = false
    @Flag(name: .long, help: "Run the kernel but not SimPy.") var skipSimpy = false
    @Option(name: .long, help: "M/M/c arrival rate λ (1/s).") var lambda: Double = 10_000
    @Option(name: .long, help: "M/M/c service rate μ per server (1/s).") var mu: Double = 2_600
    @Option(name: .long, help: "M/M/c servers c.") var servers: Int = 4
    @Option(name: .long, help: "Customers per M/M/c run (same for kernel and SimPy).") var customers: Int = 1_000_000
    @Option(name: .long, help: "Kernel repetitions (median reported).") var kernelRepeats: Int = 3
    @Option(name: .long, help: "Path of scripts/simpy_mmc.py.") var simpyScript: String = "scripts/simpy_mmc.py"
    @Option(name: .long, help: "Python interpreter for SimPy.") var python: String = "python3"

    // Headline.
    @Flag(name: .long, help: "Skip the headline write-path run.") var skipHeadline = false
    @Option(name: .long, help: "Simulated seconds of the headline run.") var simSeconds: Double = 3_600
    @Option(name: .long, help: "Write arrivals per second.") var writesPerSecond: Double = 10_000
    @Option(name: .long, help: "Entity id space.") var idSpace: Int64 = 200_000_000
    @Option(name: .long, help: "Store: memory, sqlite (in-memory database) or discard (no store cost; isolates the simulator + AtlasCore).") var store: String = "memory"
    @Flag(name: .long, help: "Time the store's write-path calls (stage, flush, entityOwner) and print the split.") var profileStore = false
    @Option(name: .long, help: "Run seed.") var seed: UInt64 = 1
    @Option(name: .long, help: "Ingest tick, simulated ms.") var ingestTickMs: Double = 5
    @Option(name: .long, help: "Flush interval, simulated ms.") var flushIntervalMs: Int64 = 100
    @Option(name: .long, help: "Write the headline summary JSON here.") var summaryOut: String?

    func run() throws {
        #if DEBUG
        print("warning: debug build; benchmark figures need `swift build -c release`")
        #endif
        print("atlas bench sim — \(MachineInfo.summary)")
        // The headline first, in a fresh process: run after the kernel benchmark (and
        // SimPy beside it) it measured 3–8 % slower, from the heap and page state left behind.
        if !skipHeadline { try headline() }
        if !skipKernel { try kernelBenchmark() }
        print(String(format: "peak RSS (VmHWM): %.0f MiB", MachineInfo.peakRSSMiB))
    }

    // MARK: kernel vs SimPy

    private func kernelBenchmark() throws {
        let warmup = customers / 20
        let cfg = MMcModel.Config.mmc(lambda: lambda, mu: mu, c: servers, customers: customers,
                                      warmupCustomers: warmup, seed: seed)
        let theory = QueueingTheory.erlangC(arrivalRatePerSecond: lambda, serviceRatePerSecond: mu, servers: servers)
        print("\n== kernel: M/M/c λ=\(lambda) μ=\(mu) c=\(servers), \(customers) customers (\(2 * customers) model events), seed \(seed)")
        var rates: [Double] = []
        var last: MMcModel.Result?
        for _ in 0..<Swift.max(1, kernelRepeats) {
            let model = try MMcModel(cfg)
            let (r, wall) = BenchMachine.time { model.run() }
            rates.append(Double(r.events) / wall)
            last = r
        }
        rates.sort()
        let kernelRate = rates[rates.count / 2]
        let r = last!
        print(String(format: "AtlasSim kernel: %.2f M events/s (median of %d: %@)", kernelRate / 1e6, rates.count,
                     rates.map { String(format: "%.2f", $0 / 1e6) }.joined(separator: ", ")))
        print(String(format: "  Wq=%.6f s (Erlang C %.6f)  P(wait)=%.4f (%.4f)  W=%.6f s (%.6f)",
                     r.meanWaitSeconds, theory.meanWaitSeconds, r.probabilityOfWait, theory.probabilityOfWait,
                     r.meanSojournSeconds, theory.meanSojournSeconds))
        guard !skipSimpy else { return }
        try ensureSimpy()
        let out = try BenchMachine.runProcess(python, [simpyScript, "--lam", "\(lambda)", "--mu", "\(mu)", "--c", "\(servers)",
                                                       "--customers", "\(customers)", "--warmup", "\(warmup)", "--seed", "\(seed)"])
        guard let data = out.data(using: .utf8),
              let json = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              let simpyRate = json["events_per_second"] as? Double else {
            throw CLIError("could not parse SimPy output: \(out)")
        }
        print(String(format: "SimPy %@ (Python %@): %.3f M events/s (%.1f s wall; %@ SimPy-internal events)",
                     "\(json["simpy_version"] ?? "?")", "\(json["python_version"] ?? "?")", simpyRate / 1e6,
                     (json["wall_seconds"] as? Double) ?? 0, "\(json["simpy_events"] ?? "?")"))
        print(String(format: "  Wq=%.6f s  P(wait)=%.4f  W=%.6f s",
                     (json["wq_seconds"] as? Double) ?? 0, (json["p_wait"] as? Double) ?? 0, (json["w_seconds"] as? Double) ?? 0))
        let ratio = kernelRate / simpyRate
        print(String(format: "ratio kernel/SimPy: %.1fx (target ≥ 50x: %@)", ratio, ratio >= 50 ? "PASS" : "FAIL"))
    }

    private func ensureSimpy() throws {
        if (try? BenchMachine.runProcess(python, ["-c", "import simpy"])) != nil { return }
        print("installing simpy: \(python) -m pip install --quiet simpy")
        _ = try BenchMachine.runProcess(python, ["-m", "pip", "install", "--quiet", "simpy"])
    }

    // MARK: headline

    private func headline() throws {
        var c = WritePathConfig()
        c.seed = seed
        c.simulatedSeconds = simSeconds
        c.writes = ArrivalConfig(process: .poisson, ratePerSecond: writesPerSecond)
        c.idSpace = idSpace
        c.keys = .scrambledZipfian(theta: 0.99)
        c.ingestTickMs = ingestTickMs
        c.flushIntervalMs = flushIntervalMs
        var s: any TelemetryStore
        switch store {
        case "memory": s = MemoryStore()
        case "sqlite": s = try SQLiteStore(path: ":memory:")
        case "discard": s = DiscardingStore()
        default: throw CLIError("--store must be memory, sqlite or discard")
        }
        let timed = profileStore ? TimedStore(s, nowSeconds: monotonicSeconds) : nil
        if let timed { s = timed }
        print("\n== headline: \(simSeconds) simulated s, \(writesPerSecond) writes/s (Poisson), id space \(idSpace) (scrambled Zipfian θ=0.99), store \(s.name), ingest tick \(ingestTickMs) ms, flush every \(flushIntervalMs) ms, seed \(seed)")
        let sim = try WritePathSimulation(config: c, store: s)
        let (summary, wall) = BenchMachine.time { sim.run() }
        let simulated = summary.simulatedSeconds + summary.drainSeconds
        let speedUp = simulated / wall
        print(String(format: "wall %.2f s for %.0f simulated s: %.1fx faster than real time (target ≥ 100x: %@)",
                     wall, simulated, speedUp, speedUp >= 100 ? "PASS" : "FAIL"))
        print(String(format: "writes %d (%.2f M writes/s of wall); kernel events %d (writes are generated per ingest tick); readings acknowledged %d, visible %d, rejected %d; entities registered %d",
                     summary.writesArrived, Double(summary.writesArrived) / wall / 1e6, summary.events, summary.readingsAcknowledged,
                     summary.readingsVisible, summary.readingsRejected, summary.entitiesRegistered))
        let v = summary.ingestToVisibleMs
        print(String(format: "ingest→visible ms: p50 %.1f  p99 %.1f  p99.9 %.1f  max %.1f;  flushes %d, rows/flush p50 %.0f max %.0f",
                     v.p50, v.p99, v.p999, v.max, summary.flushes, summary.flushRows.p50, summary.flushRows.max))
        if let t = timed?.totals {
            func line(_ name: String, _ secs: Double, _ calls: Int, per: Int) -> String {
                "  " + name.padding(toLength: 12, withPad: " ", startingAt: 0)
                    + String(format: "%7.2f s  (%4.1f%% of wall; %d calls, %.0f ns per reading)",
                             secs, 100 * secs / wall, calls, secs / Double(Swift.max(per, 1)) * 1e9)
            }
            let n = summary.readingsAcknowledged
            print("wall-time split (TimedStore; clock reads add ~40 ns per call):")
            print(line("flush", t.flushSeconds, t.flushCalls, per: n))
            print(line("stage", t.stageSeconds, t.stageCalls, per: n))
            print(line("entityOwner", t.entityOwnerSeconds, t.entityOwnerCalls, per: n))
            let rest = wall - t.flushSeconds - t.stageSeconds - t.entityOwnerSeconds - t.otherSeconds
            print(line("rest", rest, 0, per: n) + " ← simulator, workload, Ingestor/Validator, log")
        }
        let rssMiB = MachineInfo.peakRSSMiB
        print(String(format: "peak RSS so far %.0f MiB (target ≤ 4096 MiB: %@)", rssMiB, rssMiB <= 4096 ? "PASS" : "FAIL"))
        if let path = summaryOut {
            try summary.jsonString().write(toFile: path, atomically: true, encoding: .utf8)
            print("summary written to \(path)")
        }
    }
}

private typealias CLIError = ArgumentParser.ValidationError

/// Wall timing and subprocesses for the benchmark.
private enum BenchMachine {
    static func time<T>(_ body: () throws -> T) rethrows -> (T, Double) {
        let t0 = monotonicSeconds()
        let r = try body()
        return (r, monotonicSeconds() - t0)
    }

    /// Runs a program (found on PATH) and returns its stdout; throws on a non-zero exit.
    static func runProcess(_ program: String, _ args: [String]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = [program] + args
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            throw CLIError("\(program) \(args.joined(separator: " ")) exited \(p.terminationStatus): \(String(decoding: errData, as: UTF8.self))")
        }
        return String(decoding: data, as: UTF8.self)
    }
}
