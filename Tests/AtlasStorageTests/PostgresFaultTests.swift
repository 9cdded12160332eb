import AtlasCore
import AtlasStorage
import Foundation
import Testing

/// Typed errors, statement timeouts, dropped connections and schema idempotency.
@Suite(.enabled(if: PostgresTestServer.enabled, "set ATLAS_PG_URL (scripts/pg-local start)"))
struct PostgresFaultTests {
    @Test func serverErrorsAreTypedWithStatementName() throws {
        let db = try PostgresTestDatabase()
        defer { db.drop() }
        let c = try db.app()
        let e = #expect(throws: PostgresError.self) {
            try c.execute(.init("lookup_missing", "SELECT * FROM atlas.no_such_table WHERE id = $1"), ["1"])
        }
        #expect(e?.code == .undefinedTable && e?.kind == .server && e?.statementName == "lookup_missing")
        #expect(e?.message.contains("no_such_table") == true)
        // A bad parameter value is the server's error too, not a crash.
        let e2 = #expect(throws: PostgresError.self) {
            try c.execute(.init("bad_param", "SELECT $1::bigint"), ["twelve"])
        }
        #expect(e2?.code == .invalidTextRepresentation && e2?.statementName == "bad_param")
        // Parameters are never spliced into SQL: an injection attempt is just a string.
        let r = try c.execute(.init("param_text", "SELECT $1::text"), ["1'; DROP TABLE atlas.tenants; --"])
        #expect(r.string(0, 0) == "1'; DROP TABLE atlas.tenants; --")
    }

    @Test func statementTimeoutIsConfigurable() throws {
        let db = try PostgresTestDatabase()
        defer { db.drop() }
        let store = try db.store(statementTimeoutMs: 100)
        let e = #expect(throws: PostgresError.self) {
            try store.connection.execute(.init("slow", "SELECT pg_sleep($1)"), ["2"])
        }
        #expect(e?.isTimeout == true && e?.statementName == "slow")
        // The connection stays usable after a timeout.
        #expect(try store.flushedOffset() == 0)
    }

    @Test func droppedConnectionIsReestablishedAndFlushRetried() throws {
        let db = try PostgresTestDatabase()
        defer { db.drop() }
        let store = try db.store()
        let p = try Fixture.Pipeline(store)
        let t = Fixture.t0
        try p.ingest([Fixture.reading(1, 1, 1, .text("a"), at: t), Fixture.reading(1, 1, 3, .int(1), at: t)])
        // Kill the store's backend between staging and the flush (staging survives: the
        // server did not restart), then flush: reconnect + retry.
        let pid = try store.connection.execute(.init("backend_pid", "SELECT pg_backend_pid()")).string(0, 0)!
        let owner = try db.owner()
        try owner.execute(.init("terminate", "SELECT pg_terminate_backend($1::int)"), [pid])
        let r = try p.flush()
        #expect(r.rowsInserted == 2 && r.flushedThroughOffset == 2)
        #expect(store.connection.reconnectCount == 1)
        // Kill it again and re-run a flush of nothing: idempotent.
        let pid2 = try store.connection.execute(.init("backend_pid", "SELECT pg_backend_pid()")).string(0, 0)!
        try owner.execute(.init("terminate", "SELECT pg_terminate_backend($1::int)"), [pid2])
        #expect(try p.flush().rowsInserted == 0)
        #expect(try store.counts(tenantID: 1) == StoreCounts(entities: 1, timeSeriesRows: 2, hotEntities: 1))
    }

    @Test func copyStagedTwiceIsFlushedOnce() throws {
        let db = try PostgresTestDatabase()
        defer { db.drop() }
        let store = try db.store()
        try store.install(catalog: Fixture.catalog)
        let recs = (1...3).map { i in
            LogRecord(offset: Int64(i), tenantID: 1, entityID: 9, entityType: "device", attributeID: 3,
                      value: .int(Int64(i)), ingestedAtMicros: Fixture.t0 + Int64(i))
        }
        // As if a COPY's acknowledgement was lost and the COPY retried.
        try store.stage(recs)
        try store.stage(recs)
        let r = try store.flush()
        #expect(r.rowsTaken == 6 && r.rowsInserted == 3 && r.flushedThroughOffset == 3)
    }

    @Test func ownersOfAnotherWritersEntitiesInOneLookup() throws {
        let db = try PostgresTestDatabase()
        defer { db.drop() }
        let a = try db.store(), b = try db.store()
        try a.install(catalog: Fixture.catalog)
        func rec(_ offset: Int64, tenant: Int64, entity: Int64) -> LogRecord {
            LogRecord(offset: offset, tenantID: tenant, entityID: entity, entityType: "device", attributeID: 3,
                      value: .int(1), ingestedAtMicros: Fixture.t0)
        }
        // Writer A registers entity 1 (tenant 1) and stages entity 2 (tenant 2).
        try a.stage([rec(1, tenant: 1, entity: 1)])
        _ = try a.flush()
        try a.stage([rec(2, tenant: 2, entity: 2)])
        // Writer B has seen neither: one call answers both, and an unknown id with nil.
        #expect(try b.entityOwners([2, 1, 3, 1]) == [2, 1, nil, 1])
        // Only the registered one may be staged as known (it skips registration): B's
        // flush of entity 2 must still register it.
        try b.stage([rec(3, tenant: 2, entity: 2)])
        #expect(try b.flush().entitiesRegistered == 1)
        #expect(try b.counts(tenantID: 2).entities == 1)
    }

    @Test func schemaApplyIsIdempotent() throws {
        let db = try PostgresTestDatabase()
        defer { db.drop() }
        #expect(try PostgresSchema.apply(url: db.ownerURL, settings: .init(jsonbModulus: 4)) == [])
        let owner = try db.owner()
        let r = try owner.execute(.init("versions", "SELECT array_agg(version ORDER BY version)::text FROM atlas.schema_migrations"))
        let expected = try PostgresSchema.migrations().map { String($0.version) }.joined(separator: ",")
        #expect(r.string(0, 0) == "{\(expected)}")
        // Monthly partitions are kept ahead of now, and made on demand for old data.
        let parts = try owner.execute(.init("ts_parts", """
            SELECT count(*) FROM pg_inherits WHERE inhparent = 'atlas.entity_values_ts'::regclass
            """)).int64(0, 0)!
        #expect(parts >= 5)
        // entity_jsonb has the configured modulus.
        let hashParts = try owner.execute(.init("jsonb_parts", """
            SELECT count(*) FROM pg_inherits WHERE inhparent = 'atlas.entity_jsonb'::regclass
            """)).int64(0, 0)!
        #expect(hashParts == 4)
    }

    @Test func unreachableServerIsAConnectionError() throws {
        let e = #expect(throws: PostgresError.self) {
            _ = try PostgresConnection(url: "postgresql://nobody@127.0.0.1:1/none?connect_timeout=2")
        }
        #expect(e?.kind == .connection && e?.isConnectionLoss == true && e?.statementName == "connect")
    }
}
