import AtlasCore
import AtlasStorage
import Foundation
import Testing

/// With `synchronous = normal` a committed flush lives only in the WAL until a checkpoint
/// syncs it into the database file, and an OS crash may roll it back. The ingest log must
/// therefore keep every reading after the last *durable* flush, not the last flush.
@Suite struct SQLiteDurabilityTests {
    /// Records what the flusher lets the log drop.
    final class SpyLog: IngestLog {
        let inner = InMemoryIngestLog()
        var truncatedBefore: Int64 = 1
        func append(_ records: [LogRecord]) throws -> [LogRecord] { try inner.append(records) }
        func read(from offset: Int64, maxCount: Int) throws -> [LogRecord] { try inner.read(from: offset, maxCount: maxCount) }
        var nextOffset: Int64 { inner.nextOffset }
        func truncate(before offset: Int64) throws {
            truncatedBefore = max(truncatedBefore, offset)
            try inner.truncate(before: offset)
        }
    }

    func batch(_ n: Int, from: Int) -> [Reading] {
        (0..<n).map { Fixture.reading(1, Int64(from + $0), 3, .int(Int64($0)), at: Fixture.t0 + Int64($0)) }
    }

    @Test func theLogKeepsFlushesNoCheckpointHasSynced() throws {
        let dir = temporaryDirectory("durable")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try SQLiteStore(path: dir + "/atlas.sqlite")
        let log = SpyLog()
        let p = try Fixture.Pipeline(store, log: log)
        try p.ingest(batch(50, from: 1))
        try p.flush()
        // Flushed, but only in the WAL (the background checkpoint waits for 256 MB).
        #expect(try store.flushedOffset() == 50)
        #expect(try store.durableFlushedOffset() == 0)
        #expect(log.truncatedBefore == 1)
        #expect(store.checkpointNow())
        #expect(try store.durableFlushedOffset() == 50)
        try p.ingest(batch(30, from: 100))
        try p.flush()
        // The first 50 may go; the 30 flushed after the checkpoint stay.
        #expect(try store.flushedOffset() == 80)
        #expect(try store.durableFlushedOffset() == 50)
        #expect(log.truncatedBefore == 51)
    }

    @Test func reopeningStartsDurable() throws {
        let dir = temporaryDirectory("durable")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        do {
            let store = try SQLiteStore(path: dir + "/atlas.sqlite")
            let p = try Fixture.Pipeline(store)
            try p.ingest(batch(20, from: 1))
            try p.flush()
        }
        let reopened = try SQLiteStore(path: dir + "/atlas.sqlite")
        #expect(try reopened.durableFlushedOffset() == 20)
    }

    @Test func storesWithoutAWALReportTheFlushedOffset() throws {
        let store = try SQLiteStore(path: ":memory:")
        let p = try Fixture.Pipeline(store)
        try p.ingest(batch(10, from: 1))
        try p.flush()
        #expect(try store.durableFlushedOffset() == 10)
        let memory = MemoryStore()
        let q = try Fixture.Pipeline(memory)
        try q.ingest(batch(10, from: 1))
        try q.flush()
        #expect(try memory.durableFlushedOffset() == 10)
    }
}
