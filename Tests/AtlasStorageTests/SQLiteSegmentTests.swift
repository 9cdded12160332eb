import AtlasCore
import AtlasStorage
import Foundation
import Testing

/// The SQLite store's time-series segments: sealing, reopening, and the pre-segment layout.
@Suite struct SQLiteSegmentTests {
    typealias R = Fixture

    @Test func sealedSegmentsAreIndexedAndSurviveReopen() throws {
        let path = temporaryDirectory("segments") + "/atlas.sqlite"
        let t = Fixture.t0
        do {
            let store = try SQLiteStore(path: path, segmentRows: 10)
            let p = try Fixture.Pipeline(store)
            for i in 0..<7 {
                var batch: [Reading] = []
                for k in 0..<6 {
                    let at = t + Int64(i * 6 + k) * 1_000_000
                    batch.append(R.reading(1, 70, 5, .decimal(Double(i * 6 + k)), at: at))
                    batch.append(R.reading(1, Int64(71 + k), 1, .text("s\(i)"), at: at))
                }
                try p.ingest(batch)
                try p.flush()
            }
            // File stores seal in the background; wait for the builds and adopt them.
            try store.finishSeals()
            #expect(store.sealStats.count >= 3)
            #expect(store.lastSealError == nil)
            #expect(FileManager.default.fileExists(atPath: path + "-seg1"))
            // One late reading older than everything, in the open segment.
            try p.ingest([R.reading(1, 70, 5, .decimal(-1), at: t - 5_000_000)])
            try p.flush()
        }
        let store = try SQLiteStore(path: path, segmentRows: 10)
        #expect(try store.flushedOffset() == 85)
        #expect(try store.counts(tenantID: 1).timeSeriesRows == 85)
        let h = try store.history(HistoryQuery(tenantID: 1, entityID: 70, attributeID: 5, range: R.everything))
        #expect(h.count == 43)
        #expect(h.first == HistoryPoint(ingestedAtMicros: t - 5_000_000, value: .decimal(-1)))
        #expect(h.dropFirst().enumerated().allSatisfy { $0.element.value == .decimal(Double($0.offset)) })
        // A bounded range visits only overlapping segments and still returns every row in it.
        let window = TimeRange(fromMicros: t + 10_000_000, toMicros: t + 20_000_000)
        let hw = try store.history(HistoryQuery(tenantID: 1, entityID: 70, attributeID: 5, range: window))
        #expect(hw.map(\.ingestedAtMicros) == (10..<20).map { t + Int64($0) * 1_000_000 })
        #expect(try store.hotAttributes(tenantID: 1, entityID: 76)?.hotAttributes["status"] == .text("s6"))
    }

    @Test func readsOverMoreSegmentFilesThanMayStayOpenCloseTheLeastRecentlyUsed() throws {
        let path = temporaryDirectory("segment-readers") + "/atlas.sqlite"
        let store = try SQLiteStore(path: path, segmentRows: 1, maxOpenSegmentFiles: 2)
        _ = try fillSegments(store, flushes: 7)
        try store.finishSeals()
        #expect(store.sealStats.count >= 5)
        #expect(store.openSegmentFileCount == 0)
        let all = (0..<7).map { Value.decimal(Double($0)) }
        // Every query walks all the sealed files; never more than two stay open.
        #expect(try segmentHistory(store) == all)
        #expect(store.openSegmentFileCount == 2)
        #expect(try store.counts(tenantID: 1).timeSeriesRows == 7)
        #expect(store.openSegmentFileCount == 2)
        #expect(try segmentHistory(store) == all)
        // A window over the oldest rows re-opens what was closed, and reads the same.
        let early = TimeRange(fromMicros: Fixture.t0, toMicros: Fixture.t0 + 2_000_000)
        let h = try store.history(HistoryQuery(tenantID: 1, entityID: 70, attributeID: 5, range: early))
        #expect(h.map(\.value) == [.decimal(0), .decimal(1)])
        #expect(store.openSegmentFileCount <= 2)
    }

    @Test func aFailedBackgroundBuildLeavesTheSegmentReadableAndIsRetried() throws {
        let path = temporaryDirectory("seal-fault") + "/atlas.sqlite"
        let store = try SQLiteStore(path: path, segmentRows: 2)
        store.injectSegmentBuildFault()
        let p = try fillSegments(store, flushes: 2)
        #expect(throws: (any Error).self) { try store.finishSeals() }
        #expect(store.lastSealError != nil)
        #expect(store.sealStats.count == 0)
        #expect(!FileManager.default.fileExists(atPath: path + "-seg1"))
        #expect(!FileManager.default.fileExists(atPath: path + "-seg1.tmp"))
        // Still read, by a scan of its table.
        #expect(try segmentHistory(store) == [.decimal(0), .decimal(1)])
        // The next flush queues it again.
        try p.ingest([R.reading(1, 70, 5, .decimal(2), at: Fixture.t0 + 2_000_000)])
        try p.flush()
        try store.finishSeals()
        #expect(store.lastSealError == nil)
        #expect(store.sealStats.count == 1)
        #expect(try segmentHistory(store) == [.decimal(0), .decimal(1), .decimal(2)])
    }

    @Test func aSealInterruptedBeforeItsAdoptionIsRebuiltOnReopen() throws {
        let path = temporaryDirectory("seal-crash") + "/atlas.sqlite"
        do { _ = try fillSegments(try SQLiteStore(path: path, segmentRows: 1000)) }
        // What a crash can leave: a half-built file, and a complete one the catalog never named.
        try Data("partial".utf8).write(to: URL(fileURLWithPath: path + "-seg1.tmp"))
        try Data("stale".utf8).write(to: URL(fileURLWithPath: path + "-seg1"))
        // Reopened with a smaller budget, segment 1 (6 rows) is due for its seal.
        let store = try SQLiteStore(path: path, segmentRows: 2)
        #expect(try segmentHistory(store) == (0..<6).map { .decimal(Double($0)) })
        try store.finishSeals()
        #expect(store.lastSealError == nil)
        #expect(store.sealStats.count == 1)
        #expect(try segmentHistory(store) == (0..<6).map { .decimal(Double($0)) })
        #expect(try store.counts(tenantID: 1).timeSeriesRows == 6)
        #expect(!FileManager.default.fileExists(atPath: path + "-seg1.tmp"))
        // The adopted file is what a reopened store reads.
        let again = try SQLiteStore(path: path, segmentRows: 2)
        #expect(try segmentHistory(again) == (0..<6).map { .decimal(Double($0)) })
        #expect(try again.counts(tenantID: 1).timeSeriesRows == 6)
    }

    @Test func aCopyShortOfTheCatalogsRowCountIsNeverAdopted() throws {
        let path = temporaryDirectory("seal-count") + "/atlas.sqlite"
        do { _ = try fillSegments(try SQLiteStore(path: path, segmentRows: 1000)) }
        do {
            // The catalog claims a row the table does not hold.
            let db = try SQLiteConnection(path: path)
            try db.exec("UPDATE ts_segments SET row_count = row_count + 1 WHERE segment_id = 1")
        }
        let store = try SQLiteStore(path: path, segmentRows: 2)
        #expect(throws: SQLiteError.self) { try store.finishSeals() }
        #expect(store.sealStats.count == 0)
        #expect(!FileManager.default.fileExists(atPath: path + "-seg1"))
        #expect(try segmentHistory(store) == (0..<6).map { .decimal(Double($0)) })
    }

    @Test func aMissingSegmentFileFailsTheOpen() throws {
        let path = temporaryDirectory("seal-missing") + "/atlas.sqlite"
        do {
            let store = try SQLiteStore(path: path, segmentRows: 2)
            _ = try fillSegments(store, flushes: 2)
            try store.finishSeals()
            #expect(store.sealStats.count == 1)
        }
        try FileManager.default.removeItem(atPath: path + "-seg1")
        #expect(throws: SQLiteError.self) { _ = try SQLiteStore(path: path, segmentRows: 2) }
    }

    @Test func legacySingleTableLayoutIsMigrated() throws {
        let path = temporaryDirectory("legacy") + "/atlas.sqlite"
        let t = Fixture.t0
        do {
            let db = try SQLiteConnection(path: path)
            try db.exec("""
                PRAGMA journal_mode = WAL;
                CREATE TABLE entity_values_ts (log_offset INTEGER PRIMARY KEY, tenant_id INTEGER NOT NULL,
                    entity_id INTEGER NOT NULL, attribute_id INTEGER NOT NULL, value TEXT, value_int INTEGER,
                    value_decimal REAL, value_bool INTEGER, value_timestamp INTEGER, ingested_at INTEGER NOT NULL);
                CREATE INDEX entity_values_ts_series ON entity_values_ts (tenant_id, entity_id, attribute_id, ingested_at);
                INSERT INTO entity_values_ts (log_offset, tenant_id, entity_id, attribute_id, value_int, ingested_at)
                VALUES (1, 1, 9, 3, 41, \(t)), (2, 1, 9, 3, 42, \(t + 1));
                """)
        }
        let store = try SQLiteStore(path: path)
        try store.install(catalog: Fixture.catalog)
        #expect(try store.counts(tenantID: 1).timeSeriesRows == 2)
        let h = try store.history(HistoryQuery(tenantID: 1, entityID: 9, attributeID: 3, range: R.everything))
        #expect(h.map(\.value) == [.int(41), .int(42)])
    }
}

/// Faults of the background seal that the builder's injected fault does not reach.
@Suite struct SQLiteSealFaultTests {
    typealias R = Fixture

    /// The finished file cannot be renamed into place (a directory holds its name): the
    /// build fails with the rename named, the segment is still read from its table, and
    /// the build is retried after a later flush.
    @Test func aFailedRenameLeavesTheSegmentReadableAndIsRetried() throws {
        let path = temporaryDirectory("seal-rename") + "/atlas.sqlite"
        try FileManager.default.createDirectory(atPath: path + "-seg1", withIntermediateDirectories: false)
        try Data("x".utf8).write(to: URL(fileURLWithPath: path + "-seg1/occupied"))
        let store = try SQLiteStore(path: path, segmentRows: 2)
        let p = try fillSegments(store, flushes: 2)
        let e = try #require(throws: SQLiteError.self) { try store.finishSeals() }
        #expect(e.statement == "segment_file_rename" && e.message.contains(path + "-seg1.tmp"))
        #expect(store.sealStats.count == 0)
        #expect(!FileManager.default.fileExists(atPath: path + "-seg1.tmp"))
        #expect(try segmentHistory(store) == [.decimal(0), .decimal(1)])
        try FileManager.default.removeItem(atPath: path + "-seg1")
        try p.ingest([R.reading(1, 70, 5, .decimal(2), at: Fixture.t0 + 2_000_000)])
        try p.flush()
        try store.finishSeals()
        #expect(store.lastSealError == nil && store.sealStats.count == 1)
        #expect(try segmentHistory(store) == [.decimal(0), .decimal(1), .decimal(2)])
    }

    /// The file is built but the transaction that names it fails: the table stays (the
    /// segment is read from it), the error names the adoption, and a later flush adopts.
    @Test func aFailedAdoptionKeepsTheTableAndIsRetried() throws {
        let path = temporaryDirectory("seal-adopt") + "/atlas.sqlite"
        do { _ = try fillSegments(try SQLiteStore(path: path, segmentRows: 1000), flushes: 2) }
        do {
            let db = try SQLiteConnection(path: path)
            try db.exec("CREATE TRIGGER refuse_adopt BEFORE UPDATE OF file_name ON ts_segments BEGIN SELECT RAISE(ABORT, 'adopt refused'); END")
        }
        let store = try SQLiteStore(path: path, segmentRows: 2)
        let e = try #require(throws: SQLiteError.self) { try store.finishSeals() }
        #expect(e.statement.hasPrefix("segment_adopt_file") && e.message.contains("adopt refused"))
        #expect(store.sealStats.count == 0)
        #expect(try segmentHistory(store) == [.decimal(0), .decimal(1)])
        #expect(try store.counts(tenantID: 1).timeSeriesRows == 2)
        do {
            let db = try SQLiteConnection(path: path)
            try db.exec("DROP TRIGGER refuse_adopt")
        }
        _ = try store.flush() // nothing staged; after it the build is queued again
        try store.finishSeals()
        #expect(store.lastSealError == nil && store.sealStats.count == 1)
        #expect(try segmentHistory(store) == [.decimal(0), .decimal(1)])
        let again = try SQLiteStore(path: path, segmentRows: 2)
        #expect(try segmentHistory(again) == [.decimal(0), .decimal(1)])
        #expect(FileManager.default.fileExists(atPath: path + "-seg1"))
    }
}

/// One-row flushes of entity 70 into `store` (2-row segments: six flushes make segments 1
/// and 2 full, sealable, and 3 open).
private func fillSegments(_ store: SQLiteStore, flushes: Int = 6) throws -> Fixture.Pipeline {
    let p = try Fixture.Pipeline(store)
    for i in 0..<flushes {
        try p.ingest([Fixture.reading(1, 70, 5, .decimal(Double(i)), at: Fixture.t0 + Int64(i) * 1_000_000)])
        try p.flush()
    }
    return p
}

/// Entity 70's history of attribute 5.
private func segmentHistory(_ store: SQLiteStore) throws -> [Value] {
    try store.history(HistoryQuery(tenantID: 1, entityID: 70, attributeID: 5, range: Fixture.everything)).map(\.value)
}
