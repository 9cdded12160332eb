import AtlasCore
import AtlasStorage
import Foundation
import Testing
@testable import AtlasSim

@Suite struct WritePathSimulationTests {
    static func smallConfig(seed: UInt64 = 1) -> WritePathConfig {
        var c = WritePathConfig()
        c.seed = seed
        c.simulatedSeconds = 3
        c.writes = ArrivalConfig(process: .poisson, ratePerSecond: 2_000)
        c.tenants.count = 200
        c.attributes.count = 300
        return c
    }

    @Test func everyAcknowledgedReadingBecomesVisible() throws {
        let sim = try WritePathSimulation(config: Self.smallConfig(), store: MemoryStore())
        let s = sim.run()
        #expect(s.drained)
        #expect(s.writesArrived > 5_000)
        #expect(s.readingsRejected == 0, "entity → tenant mapping must never conflict: \(s.rejectionsByReason)")
        #expect(s.readingsAcknowledged == s.writesArrived)
        #expect(s.readingsVisible == s.readingsAcknowledged)
        #expect(s.rowsFlushed == s.readingsAcknowledged)
        #expect(s.ingestToVisibleMs.count == s.readingsVisible)
        #expect(s.ingestToVisibleMs.min >= s.ingestToAckMs.min)
        // A reading waits up to a tick, the ingest call, up to a flush interval and the flush.
        #expect(s.ingestToVisibleMs.p50 > 5 && s.ingestToVisibleMs.max < 1_000)
        #expect(s.flushes >= 30 && s.flushFailures == 0 && s.ingestFailures == 0)
        // Arrivals are generated per ingest tick, not one kernel event each.
        #expect(s.eventCounts["write.arrival"] == nil && s.eventCounts["ingest.tick"]! >= 600)
        let counts = try (1...200).reduce(0) { $0 + (try sim.store.counts(tenantID: Int64($1)).timeSeriesRows) }
        #expect(counts == s.readingsAcknowledged)
    }

    @Test func sameSeedSameBytesDifferentSeedDifferentBytes() throws {
        let a = try WritePathSimulation(config: Self.smallConfig(seed: 5), store: MemoryStore()).run().jsonString()
        let b = try WritePathSimulation(config: Self.smallConfig(seed: 5), store: MemoryStore()).run().jsonString()
        let c = try WritePathSimulation(config: Self.smallConfig(seed: 6), store: MemoryStore()).run().jsonString()
        #expect(a == b)
        #expect(a != c)
    }

    @Test func sqliteStoreGivesTheSameRunAsMemory() throws {
        var cfg = Self.smallConfig(seed: 2)
        cfg.simulatedSeconds = 1
        let m = try WritePathSimulation(config: cfg, store: MemoryStore()).run()
        var sq = try WritePathSimulation(config: cfg, store: SQLiteStore(path: ":memory:")).run()
        #expect(sq.store == "sqlite")
        sq.store = m.store
        #expect(sq == m)
    }

    @Test func slowFlushesBuildABacklogInSimulatedTime() throws {
        var cfg = Self.smallConfig()
        cfg.costs.flush = OperationCost(baseMs: .constant(150), perRowMicros: 0) // longer than the interval
        let s = try WritePathSimulation(config: cfg, store: MemoryStore()).run()
        #expect(s.drained)
        #expect(s.flushUtilization > 0.9)
        #expect(s.ingestToVisibleMs.p50 > 150)
        #expect(s.flushRows.p50 > 2_000 * 0.1)
    }

    @Test func readsHitTheRealStore() throws {
        var cfg = Self.smallConfig()
        cfg.reads = ArrivalConfig(process: .poisson, ratePerSecond: 500)
        cfg.keys = .zipfian(theta: 0.99) // hot ids are read and written
        let s = try WritePathSimulation(config: cfg, store: MemoryStore()).run()
        #expect(s.readsArrived > 1_000)
        #expect(s.readsFound > 0 && s.readsFound < s.readsArrived)
        #expect(s.readLatencyMs.count == s.readsArrived)
    }

    @Test func burstShowsUpAsQueueing() throws {
        var cfg = Self.smallConfig()
        cfg.writes.bursts = [Burst(startSeconds: 1, durationSeconds: 1, multiplier: 20)]
        // In the burst 40K/s arrive: 200 rows per 5 ms tick cost 1 + 20 ms, so calls queue up.
        cfg.costs.ingest = OperationCost(baseMs: .constant(1), perRowMicros: 100)
        let s = try WritePathSimulation(config: cfg, store: MemoryStore()).run()
        #expect(s.drained)
        #expect(s.maxIngestQueueLength > 100)
        #expect(s.ingestQueueWaitMs.max > 1_000)
        #expect(s.ingestToAckMs.p99 > 1_000)
    }

    @Test func configDecodesWithDefaultsForAbsentKeys() throws {
        let json = #"{"seed": 9, "simulatedSeconds": 2.5, "writes": {"process": "constant", "ratePerSecond": 100, "bursts": []}}"#
        let c = try JSONDecoder().decode(WritePathConfig.self, from: Data(json.utf8))
        #expect(c.seed == 9 && c.simulatedSeconds == 2.5 && c.writes.process == .constant)
        #expect(c.idSpace == 200_000_000 && c.flushIntervalMs == 100)
        let round = try JSONDecoder().decode(WritePathConfig.self, from: JSONEncoder().encode(c))
        #expect(round == c)
    }

    @Test func invalidConfigIsRejectedByName() {
        var c = WritePathConfig()
        c.ingestTickMs = 0
        #expect(throws: WritePathConfigError.invalid("ingestTickMs must be > 0")) {
            _ = try WritePathSimulation(config: c, store: MemoryStore())
        }
    }
}

@Suite struct WritePathStreamIndependenceTests {
    @Test func addingReadsDoesNotShiftTheWritePath() throws {
        var cfg = WritePathSimulationTests.smallConfig(seed: 3)
        cfg.simulatedSeconds = 1
        let without = try WritePathSimulation(config: cfg, store: MemoryStore()).run()
        cfg.reads = ArrivalConfig(process: .poisson, ratePerSecond: 300)
        let with = try WritePathSimulation(config: cfg, store: MemoryStore()).run()
        #expect(with.readsArrived > 0)
        // Reads have their own streams and servers: the write side is unchanged.
        #expect(with.ingestToVisibleMs == without.ingestToVisibleMs)
        #expect(with.flushDurationMs == without.flushDurationMs)
        #expect(with.writesArrived == without.writesArrived)
    }
}
