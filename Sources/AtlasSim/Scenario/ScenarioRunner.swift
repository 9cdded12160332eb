import Foundation
import AtlasCore
import AtlasStats
import AtlasStorage

/// Runs a scenario's replications and aggregates them.
public enum ScenarioRunner {
    /// Replication 0 uses the scenario seed; replication i > 0 a seed derived from it, so
    /// `atlas simulate --seed S` replays any single replication exactly.
    public static func seed(forReplication i: Int, baseSeed: UInt64) -> UInt64 {
        i == 0 ? baseSeed : StableHash.streamSeed(runSeed: baseSeed, name: "replication.\(i)")
    }

    /// A fresh store of the scenario's kind.
    public static func makeStore(_ kind: ScenarioConfig.StoreKind) -> any TelemetryStore {
        switch kind {
        case .memory: return MemoryStore()
        case .discard: return DiscardingStore()
        }
    }

    /// Ingest beside the reads on a second thread (`IngestWorker`); `ATLAS_INGEST_THREAD=0`
    /// runs it inline, for A/B measurements (the results are the same bytes).
    public static let threadedIngest = ProcessInfo.processInfo.environment["ATLAS_INGEST_THREAD"] != "0"

    /// Runs one replication.
    public static func runOne(_ config: ScenarioConfig, seed: UInt64,
                              progress: ((ScenarioProgress) -> Void)? = nil) throws -> ScenarioRunResult {
        let sim = try ScenarioSimulation(config: config, seed: seed, store: makeStore(config.store),
                                         threadedIngest: threadedIngest)
        sim.progress = progress
        return try sim.run()
    }

    /// Runs every replication (or only `seedOverride`), reporting `(replication, progress)`.
    public static func run(_ config: ScenarioConfig, seedOverride: UInt64? = nil,
                           progress: ((Int, ScenarioProgress) -> Void)? = nil) throws -> ScenarioOutcome {
        let seeds = seedOverride.map { [$0] } ?? (0..<config.replications).map { seed(forReplication: $0, baseSeed: config.seed) }
        var runs: [ScenarioRunResult] = []
        for (i, s) in seeds.enumerated() {
            runs.append(try runOne(config, seed: s, progress: progress.map { p in { p(i, $0) } }))
        }
        return ScenarioOutcome(config: config, runs: runs)
    }
}

/// All replications of one scenario.
public struct ScenarioOutcome: Sendable {
    public var config: ScenarioConfig
    public var runs: [ScenarioRunResult]

    public var passed: Bool { runs.allSatisfy(\.summary.passed) }
    public var failingSeeds: [UInt64] { runs.filter { !$0.summary.passed }.map(\.summary.seed) }

    /// Recorders merged over the replications.
    public var mergedRecorders: [String: LatencyRecorder] {
        var out: [String: LatencyRecorder] = [:]
        for r in runs {
            for (k, v) in r.recorders {
                if out[k] == nil { out[k] = v } else { out[k]!.merge(v) }
            }
        }
        return out
    }

    /// The report (`summary.json`): aggregates with 95% CIs, SLO verdicts per replication, every run.
    public func report() -> ScenarioReport {
        var reps = Replications()
        for r in runs { reps.add(Self.figures(r)) }
        let cis = reps.intervals(level: 0.95)
        var figures: [String: FigureCI] = [:]
        for (k, values) in reps.figures {
            let mean = values.reduce(0, +) / Double(values.count)
            figures[k] = FigureCI(mean: mean, lower: cis[k]?.lower, upper: cis[k]?.upper, halfWidth: cis[k]?.halfWidth,
                                  replications: values.count)
        }
        var slos: [SLOVerdict] = []
        for (i, t) in config.slos.enumerated() {
            let results = runs.map { $0.summary.slos[i] }
            // Over the replications that had data; a run without any fails the SLO anyway.
            let obs = results.compactMap(\.observed)
            let ci = ConfidenceInterval.studentT(obs)
            slos.append(SLOVerdict(metric: t.metric, threshold: t.expression, source: t.source,
                                   passed: results.allSatisfy(\.passed),
                                   observedMean: obs.isEmpty ? nil : obs.reduce(0, +) / Double(obs.count),
                                   observedHalfWidth: ci?.halfWidth,
                                   replicationsWithData: obs.count,
                                   failingSeeds: zip(runs, results).filter { !$0.1.passed }.map(\.0.summary.seed)))
        }
        return ScenarioReport(schemaVersion: ScenarioReport.currentSchemaVersion, scenario: config.name,
                              description: config.description, baseSeed: config.seed, replications: runs.count,
                              passed: passed, failingSeeds: failingSeeds, slos: slos, figures: figures,
                              runs: runs.map(\.summary))
    }

    /// The headline figures of one run, by name.
    public static func figures(_ r: ScenarioRunResult) -> [String: Double] {
        let s = r.summary
        var f: [String: Double] = [
            "writes.acknowledged": Double(s.writes.acknowledged), "writes.refused": Double(s.writes.refused),
            "writes.lost": Double(s.writes.lost), "writes.availability": s.writes.availability,
            "writes.ingest_to_visible_ms.p50": s.writes.ingestToVisibleMs.p50,
            "writes.ingest_to_visible_ms.p99": s.writes.ingestToVisibleMs.p99,
            "writes.max_staged_rows": Double(s.writes.maxStagedRows),
            "reads.total": Double(s.reads.total), "reads.errors": Double(s.reads.errors),
            "reads.stale_fraction": s.reads.staleFraction, "reads.fallback_rate": s.reads.fallbackRate,
            "reads.cache_hit_rate": s.reads.cacheHitRate, "reads.breaker_trips": Double(s.reads.breakerTrips),
            "reads.empty_answers": Double(s.reads.emptyAnswers), "reads.cache_fills": Double(s.reads.cacheFills),
            "reads.ryw_violations": Double(s.reads.readYourWritesViolations),
            "drain_seconds": s.drainSeconds,
        ]
        for (level, l) in s.reads.byLevel {
            f["reads.\(level).latency_ms.p50"] = l.latencyMs.p50
            f["reads.\(level).latency_ms.p99"] = l.latencyMs.p99
            f["reads.\(level).count"] = Double(l.reads)
        }
        for (name, n) in s.reads.bySource { f["reads.by_source.\(name)"] = Double(n) }
        for rep in s.replicas {
            f["replica.\(rep.name).lag_seconds.p95"] = rep.lagSeconds.p95
            f["replica.\(rep.name).lag_seconds.max"] = rep.lagSeconds.max
        }
        for slo in s.slos { if let v = slo.observed { f["slo.\(slo.metric) \(slo.threshold)"] = v } }
        return f
    }
}

/// `summary.json`: versioned, deterministic for a given scenario and seed set.
public struct ScenarioReport: Sendable, Equatable, Codable {
    /// 2: `observedMean` is absent when no replication had data (it averaged -1s).
    public static let currentSchemaVersion = 2
    public var schemaVersion: Int
    public var scenario: String
    public var description: String
    public var baseSeed: UInt64
    public var replications: Int
    public var passed: Bool
    public var failingSeeds: [UInt64]
    public var slos: [SLOVerdict]
    /// Headline figures: mean and 95% Student-t interval over the replications (no interval for one).
    public var figures: [String: FigureCI]
    public var runs: [ScenarioSummary]

    public func jsonString() throws -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .prettyPrinted]
        return String(decoding: try e.encode(self), as: UTF8.self)
    }
}

public struct FigureCI: Sendable, Equatable, Codable {
    public var mean: Double
    public var lower: Double?
    public var upper: Double?
    public var halfWidth: Double?
    public var replications: Int
}

public struct SLOVerdict: Sendable, Equatable, Codable {
    public var metric: String
    public var threshold: String
    public var source: String
    /// Passed in every replication.
    public var passed: Bool
    /// Mean over the replications with data; nil when none had any.
    public var observedMean: Double?
    public var observedHalfWidth: Double?
    public var replicationsWithData: Int
    public var failingSeeds: [UInt64]
}
