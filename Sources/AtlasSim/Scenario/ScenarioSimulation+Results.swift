import AtlasCore
import AtlasStats

/// One time-series bucket (the figures over the bucket ending at `tSeconds`).
public struct TimeSeriesRow: Sendable, Equatable, Codable {
    public var tSeconds: Double
    public var writesAckedPerSecond: Double
    public var writesRefusedPerSecond: Double
    public var readsPerSecond: Double
    /// Rows in staging at the end of the bucket (the flush backlog).
    public var stagedRows: Int
    /// Acknowledged writes not yet visible at the end of the bucket.
    public var invisibleWrites: Int
    /// True replication lag per replica (in `ScenarioRunResult.replicaNames` order) at the end of the bucket.
    public var replicaLagSeconds: [Double]
    /// Read latency p50 / p99 in the bucket by level (strong, eventual, analytics); NaN-free (0 when none).
    public var readP50Ms: [Double]
    public var readP99Ms: [Double]
    public var cacheHitRate: Double
    public var fallbackRate: Double
    public var staleReads: Int
    public var primaryUp: Bool
    public var breakerOpen: Bool
}

/// Everything one replication produced: the summary plus the raw recorders and series
/// the report writers need.
public struct ScenarioRunResult: Sendable {
    public var summary: ScenarioSummary
    /// Distributions by metric name (read_latency_ms.eventual, replica_lag_seconds.replica-1, ...).
    public var recorders: [String: LatencyRecorder]
    public var timeSeries: [TimeSeriesRow]
    public var replicaNames: [String]
}

extension ScenarioSimulation {
    /// A time-series interval's read latencies: a histogram from the first sample (±1%),
    /// not exact samples sorted every interval (that sort was ~3% of a scenario hour).
    static func intervalRecorder() -> LatencyRecorder {
        LatencyRecorder(exactSampleBudget: 0, relativeError: 0.01, minTrackable: 1e-6)
    }

    func sampleTick() {
        syncIngest()
        let dt = config.outputs.timeSeriesIntervalSeconds
        let nowMicros = kernel.clock.nowMicros
        let quantiles = intervalLatency.map { $0.quantiles() }
        let p50 = quantiles.map { $0.count > 0 ? $0.value(at: 0.5) : 0 }
        let p99 = quantiles.map { $0.count > 0 ? $0.value(at: 0.99) : 0 }
        timeSeries.append(TimeSeriesRow(
            tSeconds: SimTime.seconds(nanos: kernel.nowNanos - startNanos),
            writesAckedPerSecond: Double(interval.acked) / dt, writesRefusedPerSecond: Double(interval.refused) / dt,
            readsPerSecond: Double(interval.reads) / dt,
            stagedRows: (try? rawStore.stagedCount()) ?? 0, invisibleWrites: arrivalByOffset.count,
            replicaLagSeconds: replicas.map { Double($0.lagMicros(nowMicros: nowMicros)) / 1e6 },
            readP50Ms: p50, readP99Ms: p99,
            cacheHitRate: interval.cacheLookups == 0 ? 0 : Double(interval.cacheHits) / Double(interval.cacheLookups),
            fallbackRate: interval.eventual == 0 ? 0 : Double(interval.fallbacks) / Double(interval.eventual),
            staleReads: interval.stale, primaryUp: !primaryDown, breakerOpen: router.breaker.isAlerting))
        interval = IntervalCounters()
        for i in intervalLatency.indices { intervalLatency[i] = Self.intervalRecorder() }
        if kernel.nowNanos < endNanos {
            kernel.schedule(sampleKind, afterNanos: SimTime.nanos(seconds: dt))
            nextSampleNanos = kernel.nowNanos + SimTime.nanos(seconds: dt)
        }
    }

    /// Looks up the watched acknowledged writes in the store (Jepsen's final read).
    func verify() throws -> VerificationFigures {
        var v = VerificationFigures(checked: config.store != .discard)
        v.expectedLost = verificationExpectedLost
        guard v.checked else { return v }
        let lookups = lookupSet()
        // One batch: the memory store answers it in one pass over the time series.
        let answers = try rawStore.histories(lookups.map { w in
            let r = w.reading, t = r.ingestedAtMicros ?? 0
            return HistoryQuery(tenantID: r.tenantID, entityID: r.entityID, attributeID: r.attributeID,
                                range: TimeRange(fromMicros: t, toMicros: t + 1))
        })
        for (w, points) in zip(lookups, answers) {
            let r = w.reading
            let t = r.ingestedAtMicros ?? 0
            let n = points.filter { $0.ingestedAtMicros == t && Self.sameValue($0.value, r.value) }.count
            v.sampled += 1
            if n == 0 {
                v.lost += 1
                if v.lostOffsetExamples.count < 10 { v.lostOffsetExamples.append(w.offset) }
            } else {
                v.found += 1
                if n > 1 { v.duplicated += 1 }
            }
        }
        return v
    }

    /// The watched writes to look up, at most `verify.maxLookups` (a store without an
    /// index scans its time series: the memory store once for the batch, others may per
    /// lookup): the writes acknowledged nearest a crash first, then an
    /// even spread over the uniform sample.
    func lookupSet() -> [WatchedWrite] {
        let budget = config.verify.maxLookups
        let near = watched.filter { $0.crashDistanceNanos != nil }
            .sorted { ($0.crashDistanceNanos!, $0.offset) < ($1.crashDistanceNanos!, $1.offset) }
        var out = Array(near.prefix(budget))
        let rest = watched.filter { $0.crashDistanceNanos == nil }
        let room = budget - out.count
        if room > 0, !rest.isEmpty {
            let step = Swift.max(1, rest.count / room)
            out += stride(from: 0, to: rest.count, by: step).prefix(room).map { rest[$0] }
        }
        return out
    }

    /// Validation rounds decimals to 5 places; compare what the store can hold.
    static func sameValue(_ a: Value, _ b: Value) -> Bool {
        if case .decimal(let x) = a, case .decimal(let y) = b { return Swift.abs(x - y) <= 0.5e-5 + 1e-9 * Swift.abs(y) }
        return a == b
    }

    func finish() throws -> ScenarioRunResult {
        syncIngest()
        ingestWorker?.stop()
        if let e = runtimeErrors.first { throw e }
        let topo = config.topology
        var w = writes
        w.acknowledged = ingestor.acknowledgedCount
        w.rejected = ingestor.rejections.total
        w.stagingFailures += ingestor.stagingFailures
        w.flushes = flusher.flushCount
        w.failedFlushes = flusher.failedFlushCount
        w.rowsInserted = flusher.totals.rowsInserted
        let gap = w.acknowledged - w.rowsInserted
        if config.store != .discard {
            w.lost = Swift.max(0, gap)
            w.duplicated = Swift.max(0, -gap)
        }
        let offered = w.arrived - w.rejected
        w.availability = offered == 0 ? 1 : Double(w.acknowledged) / Double(offered)
        w.ingestToAckMs = ingestToAckMs.summary()
        w.ingestToVisibleMs = ingestToVisibleMs.summary()
        w.flushRows = flushRowsRecorder.summary()

        let rc = router.counters
        let cc = cache?.counters ?? CacheCounters()
        var all = LatencyRecorder(exactSampleBudget: 1_000_000, relativeError: 0.01, minTrackable: 1e-6)
        for r in readLatencyMs { all.merge(r) }
        var reads = ReadFigures(latencyMs: all.summary())
        for (i, level) in Self.levels.enumerated() {
            let c = levelCounts[i]
            reads.byLevel[level.rawValue] = LevelFigures(reads: c.reads, errors: c.errors, stale: c.stale,
                                                         readYourWrites: c.ryw, readYourWritesViolations: c.rywViolations,
                                                         latencyMs: readLatencyMs[i].summary())
            reads.total += c.reads
            reads.errors += c.errors
            reads.staleReads += c.stale
            reads.readYourWritesViolations += c.rywViolations
        }
        // Every source appears, at 0 when it served nothing: a replication missing a key
        // would drop out of that figure's mean instead of counting as 0.
        let sources = [router.primary.name, olap.name] + replicas.map(\.source.name) + (cache == nil ? [] : [router.config.cacheSourceName])
        reads.bySource = Dictionary(uniqueKeysWithValues: sources.map { ($0, 0) }).merging(rc.readsBySource) { _, n in n }
        reads.staleFraction = reads.total == 0 ? 0 : Double(reads.staleReads) / Double(reads.total)
        reads.fallbackToPrimary = fallbackToPrimary
        let eventual = levelCounts[1].reads - levelCounts[1].errors
        reads.fallbackRate = eventual == 0 ? 0 : Double(fallbackToPrimary) / Double(eventual)
        reads.cacheHits = cc.hits
        reads.cacheMisses = cc.misses
        reads.cacheHitRate = cc.hitRatio
        reads.cacheUnreachable = cache?.unreachableLookups ?? 0
        reads.cacheEvictions = cc.evictions
        reads.cacheInvalidations = cc.invalidations
        reads.cacheRefusedFills = cc.refusedFills
        reads.cacheFills = cc.fills
        reads.emptyAnswers = emptyAnswers
        let bc = router.breaker.counters
        reads.breakerTrips = bc.opens
        reads.breakerReopens = bc.reopens
        reads.readsWhileBreakerOpen = rc.breakerOpenReads
        reads.replicaErrors = rc.replicaErrors
        reads.replicaSkipsForLag = rc.replicaSkipsForLag
        reads.replicaLagWarnings = rc.replicaLagWarnings
        reads.readYourWritesFallbacks = rc.readYourWritesFallbacks

        var recorders: [String: LatencyRecorder] = [
            "read_latency_ms": all,
            "ingest_to_visible_ms": ingestToVisibleMs,
            "ingest_to_ack_ms": ingestToAckMs,
        ]
        for (i, level) in Self.levels.enumerated() { recorders["read_latency_ms.\(level.rawValue)"] = readLatencyMs[i] }
        var allLag = LatencyRecorder(exactSampleBudget: 1_000_000, relativeError: 0.01, minTrackable: 1e-6)
        var replicaFigures: [ReplicaFigures] = []
        for (i, r) in replicas.enumerated() {
            recorders["replica_lag_seconds.\(r.spec.name)"] = replicaLagSeconds[i]
            allLag.merge(replicaLagSeconds[i])
            replicaFigures.append(ReplicaFigures(name: r.spec.name, reads: r.reads, lagSeconds: replicaLagSeconds[i].summary()))
        }
        recorders["replica_lag_seconds"] = allLag

        var summary = ScenarioSummary(
            schemaVersion: ScenarioSummary.currentSchemaVersion, scenario: config.name, seed: seed, store: rawStore.name,
            simulatedSeconds: config.durationSeconds,
            drainSeconds: SimTime.seconds(nanos: Swift.max(0, kernel.nowNanos - endNanos)), drained: isDrained,
            events: kernel.eventsProcessed, writes: w, reads: reads, replicas: replicaFigures, faults: faultEvents,
            verification: try verify(), slos: [], passed: true)
        _ = topo
        summary.slos = SLOEvaluator.evaluate(config.slos, summary: summary, recorders: recorders)
        summary.passed = summary.slos.allSatisfy(\.passed)
        return ScenarioRunResult(summary: summary, recorders: recorders, timeSeries: timeSeries,
                                 replicaNames: replicas.map(\.spec.name))
    }
}

/// Turns thresholds into verdicts.
public enum SLOEvaluator {
    public static func observed(_ t: SLOThreshold, summary: ScenarioSummary, recorders: [String: LatencyRecorder]) -> Double {
        if let r = recorders[t.metric] {
            guard r.count > 0 else { return t.aggregate == .count ? 0 : .nan }
            switch t.aggregate {
            case .percentile(let p): return r.quantiles().value(at: p / 100)
            case .max: return r.max
            case .min: return r.min
            case .mean: return r.mean
            case .count: return Double(r.count)
            case .value: return .nan
            }
        }
        return ScenarioMetrics.scalar(t.metric, summary) ?? .nan
    }

    public static func evaluate(_ thresholds: [SLOThreshold], summary: ScenarioSummary,
                                recorders: [String: LatencyRecorder]) -> [SLOResult] {
        thresholds.map { t in
            let v = observed(t, summary: summary, recorders: recorders)
            return SLOResult(metric: t.metric, threshold: t.expression, observed: v.isNaN ? nil : v, passed: t.passes(v),
                             source: t.source)
        }
    }
}
