import AtlasCore
import AtlasStats
import AtlasStorage
import Testing
@testable import AtlasSim

/// Small worlds (seconds of simulated time, 1K writes/s) so each test runs in well under a second.
@Suite struct ScenarioSimulationTests {
    static func small(_ seconds: Double = 20, faults: [FaultSpec] = []) -> ScenarioConfig {
        var c = ScenarioConfig()
        c.name = "t"
        c.durationSeconds = seconds
        c.workload.writes.ratePerSecond = 1000
        c.workload.reads.ratePerSecond = 200
        c.workload.idSpace = 50_000
        c.workload.tenants.count = 5
        c.workload.attributes.count = 40
        c.topology.olap.loadIntervalSeconds = 5
        c.topology.olap.pipelineDelaySeconds = 1
        c.outputs.timeSeriesIntervalSeconds = 1
        c.verify.sampleEvery = 50
        c.verify.maxLookups = 400
        c.faults = faults
        return c
    }

    func run(_ c: ScenarioConfig, seed: UInt64 = 7) throws -> ScenarioSummary {
        try ScenarioRunner.runOne(c, seed: seed).summary
    }

    @Test func healthyRunServesEveryLevelWithoutStaleReads() throws {
        let s = try run(Self.small(10))
        #expect(s.drained)
        #expect(s.writes.lost == 0 && s.verification.lost == 0 && s.verification.sampled > 0)
        #expect(s.writes.visible == s.writes.acknowledged)
        #expect(s.reads.staleReads == 0)
        #expect(s.reads.readYourWritesViolations == 0)
        #expect(s.reads.errors == 0)
        #expect(s.reads.byLevel["strong"]!.reads > 0 && s.reads.byLevel["analytics"]!.reads > 0)
        for r in ["replica-1", "replica-2", "replica-3", "primary", "olap"] { #expect((s.reads.bySource[r] ?? 0) > 0, "\(r)") }
        #expect(s.reads.breakerTrips == 0)
        // Cache-aside fills, and lookups of ids never written (not cached), are counted.
        let pointLookups = s.reads.byLevel["strong"]!.reads + s.reads.byLevel["eventual"]!.reads
        #expect(s.reads.cacheFills > 0 && s.reads.emptyAnswers > 0 && s.reads.emptyAnswers < pointLookups)
    }

    @Test func sameSeedSameBytesOtherSeedDiffers() throws {
        let c = Self.small(5)
        let a = try run(c, seed: 3).jsonString(), b = try run(c, seed: 3).jsonString()
        #expect(a == b)
        #expect(try run(c, seed: 4).jsonString() != a)
    }

    @Test func replicationSeedsReplayExactly() throws {
        var c = Self.small(3)
        c.replications = 2
        let outcome = try ScenarioRunner.run(c)
        #expect(outcome.runs[0].summary.seed == c.seed)
        let s1 = ScenarioRunner.seed(forReplication: 1, baseSeed: c.seed)
        #expect(outcome.runs[1].summary.seed == s1)
        let replay = try ScenarioRunner.run(c, seedOverride: s1)
        #expect(try replay.runs[0].summary.jsonString() == outcome.runs[1].summary.jsonString())
        let report = outcome.report()
        #expect(report.figures["reads.total"]?.halfWidth != nil)
    }

    @Test func lagSpikeSkipsTheReplicaWithoutStaleReads() throws {
        let s = try run(Self.small(20, faults: [FaultSpec(atSeconds: 3, kind: .replicaLagSpike(
            replica: "replica-2", sizeSeconds: 10, durationSeconds: 15, shape: .step))]))
        #expect(s.replicas[1].lagSeconds.max >= 9)
        #expect(s.reads.replicaSkipsForLag > 0)
        #expect(s.reads.staleReads == 0)
        #expect(s.reads.breakerTrips == 0)
        #expect(s.faults.map(\.kind) == ["replicaLagSpike"])
    }

    @Test func pausedReplicasTripTheBreakerAndFallBack() throws {
        var c = Self.small(30, faults: [FaultSpec(atSeconds: 3, kind: .replicaPause(replica: "*", durationSeconds: 10))])
        c.workload.writes.ratePerSecond = 200
        c.topology.breaker.coolDownSeconds = 3
        let s = try run(c)
        #expect(s.reads.breakerTrips >= 1)
        #expect(s.reads.fallbackToPrimary > 0)
        #expect(s.reads.staleReads == 0)
        #expect(s.reads.readYourWritesViolations == 0)
    }

    @Test func downReplicaErrorsAreRetriedOnThePrimary() throws {
        let s = try run(Self.small(10, faults: [FaultSpec(atSeconds: 3, kind: .replicaDown(replica: "replica-1", durationSeconds: 5))]))
        #expect(s.reads.replicaErrors > 0)
        #expect(s.reads.byLevel["eventual"]!.errors == 0)
    }

    @Test func failoverWithTheLogLosesNothing() throws {
        let crash = FaultSpec(atSeconds: 5, kind: .primaryCrash(detectionSeconds: .constant(2), promotionSeconds: .constant(3)))
        let s = try run(Self.small(15, faults: [crash]))
        #expect(s.drained)
        #expect(s.writes.lost == 0 && s.verification.lost == 0 && s.verification.sampled > 0)
        #expect(s.writes.replayedFromLog > 0)
        #expect(s.writes.refused == 0)
        #expect(s.writes.availability == 1)
        #expect(s.reads.byLevel["strong"]!.errors > 0)
        #expect(s.faults.first?.endSeconds == 10)
    }

    @Test func failoverRefusingWritesLosesNothingAcknowledged() throws {
        var c = Self.small(15, faults: [FaultSpec(atSeconds: 5, kind: .primaryCrash(detectionSeconds: .constant(1),
                                                                                      promotionSeconds: .constant(1)))])
        c.topology.primaryOutageWrites = .refuse
        let s = try run(c)
        #expect(s.writes.refused > 1000)
        #expect(s.writes.availability < 1)
        #expect(s.writes.lost == 0 && s.verification.lost == 0)
    }

    @Test func crashWithoutTheLogLosesAcknowledgedWrites() throws {
        var c = Self.small(15, faults: [FaultSpec(atSeconds: 5.05, kind: .primaryCrash(detectionSeconds: .constant(1),
                                                                                         promotionSeconds: .constant(1)))])
        c.topology.durableLog = false
        c.topology.primaryOutageWrites = .refuse
        c.slos = [SLOThreshold(metric: "acked_write_loss", aggregate: .value, comparison: .eq, bound: 0, expression: "value == 0")]
        let s = try run(c)
        #expect(s.verification.expectedLost > 0)
        #expect(s.writes.lost == s.verification.expectedLost)
        #expect(s.verification.lost > 0)
        #expect(s.drained)
        #expect(!s.passed)
        #expect(s.slos[0].observed == Double(s.writes.lost))
    }

    @Test func sloWithoutDataFailsAndIsNotAveragedAsANumber() throws {
        var c = Self.small(3)
        c.replications = 2
        c.workload.readMix.analytics = 0  // no analytics reads at all
        c.slos = [
            SLOThreshold(metric: "read_latency_ms.analytics", aggregate: .percentile(99), comparison: .lt, bound: 500,
                         expression: "p(99) < 500"),
            SLOThreshold(metric: "acked_write_loss", aggregate: .value, comparison: .eq, bound: 0, expression: "value == 0"),
        ]
        let outcome = try ScenarioRunner.run(c)
        for r in outcome.runs {
            #expect(r.summary.slos[0].observed == nil && !r.summary.slos[0].passed)
            #expect(r.summary.slos[1].observed == 0 && r.summary.slos[1].passed)
        }
        let report = outcome.report()
        #expect(report.slos[0].observedMean == nil && report.slos[0].replicationsWithData == 0 && !report.slos[0].passed)
        #expect(report.slos[1].observedMean == 0 && report.slos[1].replicationsWithData == 2)
        #expect(!report.passed)
    }

    /// While the cache is unreachable every eventual read first pays the cache's error
    /// time; strong reads never ask the cache.
    @Test func cacheOutageChargesTheErrorTimeToEventualReads() throws {
        var c = Self.small(6, faults: [FaultSpec(atSeconds: 0.001, kind: .cacheOutage(durationSeconds: 30))])
        c.topology.services.cacheErrorMs = 40
        let s = try run(c)
        #expect(s.reads.byLevel["eventual"]!.latencyMs.min >= 40)
        #expect(s.reads.byLevel["strong"]!.latencyMs.p99 < 40)
        #expect((s.reads.bySource["cache"] ?? 0) == 0)
    }

    @Test func cacheOutageAndFlushAreCounted() throws {
        let s = try run(Self.small(10, faults: [FaultSpec(atSeconds: 3, kind: .cacheFlush),
                                                FaultSpec(atSeconds: 5, kind: .cacheOutage(durationSeconds: 3))]))
        #expect(s.reads.cacheUnreachable > 0)
        #expect(s.reads.byLevel["eventual"]!.errors == 0)
        #expect(s.reads.staleReads == 0)
    }

    @Test func flusherStallAndBurstBackUpThenDrain() throws {
        let s = try run(Self.small(12, faults: [FaultSpec(atSeconds: 3, kind: .writeBurst(durationSeconds: 3, multiplier: 5)),
                                                FaultSpec(atSeconds: 8, kind: .flusherStall(durationSeconds: 3))]))
        #expect(s.writes.arrived > 12_000 + 10_000)
        #expect(s.writes.maxStagedRows > 2500)
        #expect(s.writes.ingestToVisibleMs.max > 2900)
        #expect(s.writes.lost == 0 && s.drained)
    }

    @Test func slosBecomeVerdicts() throws {
        var c = Self.small(5)
        c.slos = [
            SLOThreshold(metric: "read_latency_ms.eventual", aggregate: .percentile(99), comparison: .lt, bound: 1e6, expression: "p(99) < 1e6"),
            SLOThreshold(metric: "read_latency_ms.eventual", aggregate: .max, comparison: .lt, bound: 0, expression: "max < 0"),
            SLOThreshold(metric: "stale_read_fraction", aggregate: .value, comparison: .eq, bound: 0, expression: "value == 0"),
        ]
        let s = try run(c)
        #expect(s.slos.map(\.passed) == [true, false, true])
        #expect(!s.passed)
    }

    @Test func commitHistoryJudgesStaleness() {
        var h = CommitHistory(retentionMicros: 1_000_000_000)
        for t in [100, 200, 300] as [Int64] { h.append(atMicros: t) }
        #expect(h.stalenessMicros(asOfMicros: 300, nowMicros: 1000) == 0)
        #expect(h.stalenessMicros(asOfMicros: 150, nowMicros: 1000) == 800)
        #expect(h.stalenessMicros(asOfMicros: 0, nowMicros: 1000) == 900)
        #expect(h.latest(atOrBeforeMicros: 250) == 200)
        #expect(h.latest(atOrBeforeMicros: 50) == nil)
    }
}

/// A store error inside a fault callback ends the run with that error; it is never
/// guessed around (a made-up flushed offset would misstate the writes lost).
@Suite struct ScenarioStoreErrorTests {
    struct Broken: Error {}

    /// A memory store whose `flushedOffset` fails once armed.
    final class FailingStore: TelemetryStore {
        let inner = MemoryStore()
        var failFlushedOffset = false
        /// Fail `clearStaging` from this call on (1-based); the crash makes the first call.
        var failClearStagingFromCall = Int.max
        private var clearStagingCalls = 0
        var name: String { inner.name }
        func install(catalog: Catalog) throws { try inner.install(catalog: catalog) }
        func stage(_ records: [LogRecord]) throws { try inner.stage(records) }
        func stagedCount() throws -> Int { try inner.stagedCount() }
        func clearStaging() throws {
            clearStagingCalls += 1
            if clearStagingCalls >= failClearStagingFromCall { throw Broken() }
            try inner.clearStaging()
        }
        func flush() throws -> FlushResult { try inner.flush() }
        func flushedOffset() throws -> Int64 {
            if failFlushedOffset { throw Broken() }
            return try inner.flushedOffset()
        }
        // The flusher's log truncation reads the offset through here: it keeps working, so
        // the only failing caller is the crash.
        func durableFlushedOffset() throws -> Int64 { try inner.durableFlushedOffset() }
        func entityOwner(_ entityID: Int64) throws -> Int64? { try inner.entityOwner(entityID) }
        func findEntities(_ query: HotQuery) throws -> [HotQueryRow] { try inner.findEntities(query) }
        func attributeDistribution(_ query: DistributionQuery) throws -> [DistributionRow] { try inner.attributeDistribution(query) }
        func hotAttributes(tenantID: Int64, entityID: Int64) throws -> EntitySnapshot? {
            try inner.hotAttributes(tenantID: tenantID, entityID: entityID)
        }
        func history(_ query: HistoryQuery) throws -> [HistoryPoint] { try inner.history(query) }
        func counts(tenantID: Int64) throws -> StoreCounts { try inner.counts(tenantID: tenantID) }
    }

    /// Ingest on a second thread (`IngestWorker`) computes what the single-threaded run
    /// computes: the same summary bytes and time series, with faults that touch the write
    /// path (crash, promotion with log replay, burst), flushes asked for by staging size,
    /// and an entity index that must grow mid-run.
    @Test(arguments: [false, true])
    func ingestOnASecondThreadGivesTheSameBytes(smallBatches: Bool) throws {
        var c = ScenarioSimulationTests.small(6, faults: [
            FaultSpec(atSeconds: 2, kind: .primaryCrash(detectionSeconds: .constant(0.5), promotionSeconds: .constant(0.5))),
            FaultSpec(atSeconds: 4, kind: .writeBurst(durationSeconds: 1, multiplier: 5)),
            FaultSpec(atSeconds: 4.5, kind: .cacheOutage(durationSeconds: 0.5)),
        ])
        // Enough distinct entities (> 45,875) that the entity index outgrows its first table.
        c.workload.writes.ratePerSecond = 10_000
        c.workload.idSpace = 2_000_000
        if smallBatches { c.topology.maxBatchRows = 120 }
        let serial = try ScenarioSimulation(config: c, seed: 11, store: MemoryStore(), threadedIngest: false).run()
        let sim = try ScenarioSimulation(config: c, seed: 11, store: MemoryStore(), threadedIngest: true)
        #expect(sim.ingestWorker != nil)
        let threaded = try sim.run()
        #expect(try threaded.summary.jsonString() == serial.summary.jsonString())
        #expect(threaded.timeSeries == serial.timeSeries)
        #expect(sim.entityIndexReservations > 0)
        #expect(serial.summary.writes.replayedFromLog > 0 && serial.summary.writes.acknowledged > 80_000)
    }

    /// Without faults, the ingests of a flush window go to the worker when the window
    /// starts (`handIngestsAhead`), and the run still computes the serial run's bytes:
    /// with windows whose new entities outgrow the entity index's headroom, with time-series samples inside flush
    /// windows (a window then ends at the sample), with flushes longer than their interval
    /// (the timer's flush waits for the running one), and with a staging bound smaller
    /// than a window's writes (only the first part of each window goes ahead, and flushes
    /// asked for by staging size come in between).
    @Test(arguments: ["plain", "heavyWindows", "samplesInsideWindows", "slowFlushes", "smallBatches"])
    func ingestsHandedAheadGiveTheSameBytes(variant: String) throws {
        var c = ScenarioSimulationTests.small(6)
        c.workload.writes.ratePerSecond = 10_000
        c.workload.idSpace = 2_000_000
        switch variant {
        case "samplesInsideWindows": c.outputs.timeSeriesIntervalSeconds = 0.25; c.topology.flushIntervalMs = 300
        case "slowFlushes": c.topology.services.flush = .lognormal(medianMs: 150, sigma: 0.5, perRowMicros: 1)
        case "smallBatches": c.topology.maxBatchRows = 700
        case "heavyWindows": c.durationSeconds = 1; c.workload.writes.ratePerSecond = 300_000; c.workload.idSpace = 50_000_000
        default: break
        }
        let serial = try ScenarioSimulation(config: c, seed: 5, store: MemoryStore(), threadedIngest: false).run()
        let sim = try ScenarioSimulation(config: c, seed: 5, store: MemoryStore(), threadedIngest: true)
        let threaded = try sim.run()
        #expect(try threaded.summary.jsonString() == serial.summary.jsonString())
        #expect(threaded.timeSeries == serial.timeSeries)
        #expect(serial.summary.writes.acknowledged > 55_000 && serial.summary.writes.visible == serial.summary.writes.acknowledged)
        #expect(sim.ahead.windowsAhead > 0)
        // A window's new entities can outgrow the index's headroom: it grows before the handover.
        if variant == "heavyWindows" { #expect(sim.entityIndexReservations > 0) }
    }

    /// A store without `ConcurrentStaging` runs single-threaded.
    @Test func storesWithoutTheContractIngestInline() throws {
        let sim = try ScenarioSimulation(config: ScenarioSimulationTests.small(1), seed: 7, store: FailingStore())
        #expect(sim.ingestWorker == nil)
    }

    @Test func aStoreErrorAtACrashEndsTheRun() throws {
        let crash = FaultSpec(atSeconds: 2, kind: .primaryCrash(detectionSeconds: .constant(1), promotionSeconds: .constant(1)))
        let store = FailingStore()
        let sim = try ScenarioSimulation(config: ScenarioSimulationTests.small(5, faults: [crash]), seed: 7, store: store)
        store.failFlushedOffset = true
        #expect(throws: Broken.self) { _ = try sim.run() }
    }

    /// The log replay at promotion cannot empty staging: the run ends with that error
    /// instead of going on with staging in an unknown state.
    @Test func aStoreErrorInPromotionRecoveryEndsTheRun() throws {
        let crash = FaultSpec(atSeconds: 2, kind: .primaryCrash(detectionSeconds: .constant(1), promotionSeconds: .constant(1)))
        let store = FailingStore()
        store.failClearStagingFromCall = 2  // the crash's own clear succeeds
        let sim = try ScenarioSimulation(config: ScenarioSimulationTests.small(5, faults: [crash]), seed: 7, store: store)
        #expect(throws: Broken.self) { _ = try sim.run() }
        // The same run without the failure completes.
        let healthy = try ScenarioSimulation(config: ScenarioSimulationTests.small(5, faults: [crash]), seed: 7,
                                             store: FailingStore())
        #expect(try healthy.run().summary.writes.lost == 0)
    }
}
