import AtlasCore
import AtlasStorage
import Foundation
import Testing

/// Migration 9: the cheaper flush keeps the time series' key, and staging is vacuumed by dead rows.
@Suite(.enabled(if: PostgresTestServer.enabled, "set ATLAS_PG_URL (scripts/pg-local start)"))
struct PostgresWritePathTests {
    private func rec(_ offset: Int64, value: Int64, at micros: Int64) -> LogRecord {
        LogRecord(offset: offset, tenantID: 1, entityID: 9, entityType: "device", attributeID: 3,
                  value: .int(value), ingestedAtMicros: micros)
    }

    /// Idempotency rests on the recorded offset (no ON CONFLICT): a replay of flushed
    /// offsets inserts nothing, while a new reading with the same timestamp is kept.
    @Test func replayOfFlushedOffsetsInsertsNothing() throws {
        let db = try PostgresTestDatabase()
        defer { db.drop() }
        let store = try db.store()
        try store.install(catalog: Fixture.catalog)
        let first = (1...3).map { rec(Int64($0), value: Int64($0), at: Fixture.t0 + Int64($0)) }
        try store.stage(first)
        #expect(try store.flush().rowsInserted == 3)
        // The log replayed from an older point (as after a crash): offsets 1...3 come again.
        try store.stage(first)
        let replay = try store.flush()
        #expect(replay.rowsTaken == 3 && replay.rowsInserted == 0 && replay.flushedThroughOffset == 3)
        // A distinct reading on the same (tenant, entity, attribute, time) is not a duplicate.
        try store.stage([rec(4, value: 40, at: Fixture.t0 + 3)])
        #expect(try store.flush().rowsInserted == 1)
        #expect(try store.counts(tenantID: 1).timeSeriesRows == 4)
    }

    /// The key stays: per-entity history reads it (300 ms instead of < 1 ms without it).
    @Test func timeSeriesKeepsTheSpecIndexesAndItsKey() throws {
        let db = try PostgresTestDatabase()
        defer { db.drop() }
        let owner = try db.owner()
        let pk = try owner.execute(.init("ts_pk", """
            SELECT count(*) FROM pg_constraint WHERE conrelid = 'atlas.entity_values_ts'::regclass AND contype = 'p'
            """)).int64(0, 0)
        #expect(pk == 1)
        let idx = try owner.execute(.init("ts_indexes", """
            SELECT string_agg(indexdef, E'\\n' ORDER BY indexname) FROM pg_indexes
            WHERE schemaname = 'atlas' AND tablename = 'entity_values_ts'
            """)).string(0, 0) ?? ""
        #expect(idx.contains("USING brin (ingested_at)"))
        #expect(idx.contains("USING btree (tenant_id, attribute_id, ingested_at)"))
    }

    @Test func stagingIsVacuumedAfterAFixedNumberOfDeadRows() throws {
        let db = try PostgresTestDatabase()
        defer { db.drop() }
        let owner = try db.owner()
        let opts = try owner.execute(.init("staging_options", """
            SELECT array_to_string(reloptions, ',') FROM pg_class WHERE oid = 'atlas.entity_values_ingest'::regclass
            """)).string(0, 0) ?? ""
        #expect(opts.contains("autovacuum_vacuum_scale_factor=0"))
        #expect(opts.contains("autovacuum_vacuum_threshold=20000"))
        #expect(opts.contains("autovacuum_vacuum_cost_delay=0"))
    }
}
