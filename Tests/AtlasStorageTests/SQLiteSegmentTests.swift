import AtlasCore
import AtlasStorage
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
            #expect(store.sealStats.count >= 3)
            #expect(store.lastSealError == nil)
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
