import AtlasCore
@testable import AtlasStorage
import Foundation
import Testing

/// Ingest on the caller's thread while the flush thread flushes SQLite (file store, file
/// log): nothing acknowledged is lost or duplicated, newest wins, failures keep staging.
@Suite struct PipelinedWriterTests {
    /// A write path over a file SQLite store and file log whose flusher runs every 2 ms
    /// (or at 300 staged rows), so flushes overlap ingest throughout.
    final class Setup {
        let store: SQLiteStore
        let log: FileSegmentLog
        let ingestor: Ingestor
        let flusher: Flusher
        let clock = WallClock()

        init(_ dir: String) throws {
            store = try SQLiteStore(path: dir + "/db.sqlite", segmentRows: 700)
            try store.install(catalog: Fixture.catalog)
            log = try FileSegmentLog(directory: dir + "/log")
            ingestor = try Ingestor(validator: Validator(catalog: Fixture.catalog), log: log, store: store, clock: clock)
            flusher = Flusher(ingestor: ingestor, clock: clock, config: .init(intervalMs: 2, maxBatchRows: 300))
        }
    }

    /// Batch `i`: 40 readings over entities 0..<20 of tenant 1, priority (hot) and
    /// pressure (cold); value = a unique sequence number; every fifth batch arrives late
    /// (older timestamps than everything before it), so it must never win the projection.
    static func batch(_ i: Int) -> [Reading] {
        (0..<40).map { j in
            let n = i * 40 + j
            let at = i % 5 == 4 ? Fixture.t0 - Int64(n) : Fixture.t0 + Int64(n) * 1000
            return Fixture.reading(1, Int64(j % 20), j < 20 ? 3 : 9, j < 20 ? .int(Int64(n)) : .decimal(Double(n)), at: at)
        }
    }

    /// The newest on-time priority value of each entity after `batches` batches.
    static func expectedPriority(batches: Int) -> [Int64: Value] {
        var out: [Int64: Value] = [:]
        for i in 0..<batches where i % 5 != 4 {
            for j in 0..<20 { out[Int64(j)] = .int(Int64(i * 40 + j)) }
        }
        return out
    }

    /// Every reading once: both attributes' histories hold exactly the values written.
    static func expectExactlyOnce(_ store: SQLiteStore, batches: Int) throws {
        #expect(try store.counts(tenantID: 1).timeSeriesRows == batches * 40)
        var values: [Value] = []
        for e in Int64(0)..<20 {
            for a in [Int64(3), 9] {
                values += try store.history(HistoryQuery(tenantID: 1, entityID: e, attributeID: a, range: Fixture.everything)).map(\.value)
            }
        }
        #expect(values.count == batches * 40)
        let numbers = values.map { v -> Int in
            switch v {
            case .int(let x): return Int(x)
            case .decimal(let x): return Int(x)
            default: return -1
            }
        }
        #expect(Set(numbers) == Set(0..<(batches * 40)))
        for (e, v) in expectedPriority(batches: batches) {
            #expect(try store.hotAttributes(tenantID: 1, entityID: e)?.hotAttributes["priority"] == v)
        }
    }

    @Test func ingestOverlappingFlushesLosesAndDuplicatesNothing() throws {
        let dir = temporaryDirectory("pipelined")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let s = try Setup(dir)
        let writer = PipelinedWriter(ingestor: s.ingestor, flusher: s.flusher, clock: s.clock, maxStagedRows: 400)
        var acknowledged = 0
        for i in 0..<60 { acknowledged += try writer.ingest(Self.batch(i)).acceptedCount }
        let stats = try writer.finish()
        #expect(acknowledged == 2400)
        #expect(stats.failedFlushes == 0 && stats.flushMs.count > 2)
        #expect(try s.store.flushedOffset() == 2400 && s.store.stagedCount() == 0)
        try s.store.finishSeals()
        try Self.expectExactlyOnce(s.store, batches: 60)
    }

    /// A flush that fails on the flush thread while ingest goes on leaves its rows staged,
    /// ahead of what was staged meanwhile; a later flush takes them all.
    @Test func aFailedFlushOnTheFlushThreadKeepsItsRowsStaged() throws {
        let dir = temporaryDirectory("pipelined")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let s = try Setup(dir)
        try s.ingestor.ingest(Self.batch(0))
        s.store.injectedFlushFault = .afterTimeSeriesInsert
        let writer = PipelinedWriter(ingestor: s.ingestor, flusher: s.flusher, clock: s.clock, maxStagedRows: 400)
        for i in 1..<40 { try writer.ingest(Self.batch(i)) }
        // The failure happens on the flush thread, not in the final flush.
        let deadline = Date().addingTimeInterval(30)
        while writer.currentStats.failedFlushes == 0 && Date() < deadline { usleep(1000) }
        let stats = try writer.finish()
        #expect(stats.failedFlushes == 1)
        #expect(s.flusher.failedFlushCount == 1)
        #expect(try s.store.flushedOffset() == 1600 && s.store.stagedCount() == 0)
        try s.store.finishSeals()
        try Self.expectExactlyOnce(s.store, batches: 40)
    }

    /// Staging full while every flush fails: ingest refuses the batch with the flush's
    /// error (nothing of it logged); once flushes succeed again everything acknowledged lands.
    @Test func fullStagingWithFailingFlushesRefusesIngestWithTheFlushError() throws {
        let dir = temporaryDirectory("pipelined")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let s = try Setup(dir)
        try s.store.db.exec("CREATE TRIGGER fail_flush BEFORE UPDATE ON flush_state BEGIN SELECT RAISE(ABORT, 'flush refused'); END")
        let writer = PipelinedWriter(ingestor: s.ingestor, flusher: s.flusher, clock: s.clock, maxStagedRows: 100)
        var acknowledged = 0
        var refused: Error?
        for i in 0..<10 {
            do { acknowledged += try writer.ingest(Self.batch(i)).acceptedCount } catch { refused = error; break }
        }
        writer.stop()
        let e = try #require(refused as? SQLiteError)
        #expect(e.statement == "record_offset" && e.message.contains("flush refused"))
        // At least three batches (staging reaches 100 at the third); more when one came
        // while a failing flush held staging. Every acknowledged one is logged and staged.
        #expect(acknowledged >= 120 && acknowledged < 400 && acknowledged % 40 == 0)
        #expect(s.log.nextOffset == Int64(acknowledged) + 1)
        #expect(try s.store.flushedOffset() == 0 && s.store.stagedCount() == acknowledged)
        try s.store.db.exec("DROP TRIGGER fail_flush")
        try s.flusher.flushNow()
        try Self.expectExactlyOnce(s.store, batches: acknowledged / 40)
    }

    /// A crash while flushes are in flight (the writer stops, staging is lost with the
    /// process): reopening and replaying the log restores every acknowledged reading once.
    @Test func aCrashDuringPipelinedIngestLosesNothingOnReplay() throws {
        let dir = temporaryDirectory("pipelined")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var acknowledged = 0
        do {
            let s = try Setup(dir)
            let writer = PipelinedWriter(ingestor: s.ingestor, flusher: s.flusher, clock: s.clock, maxStagedRows: 400)
            for i in 0..<50 { acknowledged += try writer.ingest(Self.batch(i)).acceptedCount }
            writer.stop() // no final flush
        }
        let s = try Setup(dir)
        #expect(try s.store.stagedCount() == 0)
        let flushed = try s.store.flushedOffset()
        #expect(flushed <= 2000)
        #expect(try s.ingestor.recover() == 2000 - Int(flushed))
        try s.flusher.flushNow()
        #expect(acknowledged == 2000)
        try s.store.finishSeals()
        try Self.expectExactlyOnce(s.store, batches: 50)
    }
}
