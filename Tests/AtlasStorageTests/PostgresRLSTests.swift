import AtlasCore
import AtlasStorage
import Testing

/// Row-Level Security: a connection scoped to one tenant cannot read, change or delete
/// another tenant's rows, through the store or through hand-written SQL on the same role.
@Suite(.enabled(if: PostgresTestServer.enabled, "set ATLAS_PG_URL (scripts/pg-local start)"))
struct PostgresRLSTests {
    /// Two tenants' data, flushed through the real write path.
    static func seeded() throws -> (PostgresTestDatabase, PostgresStore) {
        let db = try PostgresTestDatabase()
        let store = try db.store()
        let p = try Fixture.Pipeline(store)
        let t = Fixture.t0
        try p.ingest([
            Fixture.reading(1, 100, 1, .text("online"), at: t), Fixture.reading(1, 100, 5, .decimal(1.5), at: t),
            Fixture.reading(2, 200, 1, .text("offline"), at: t), Fixture.reading(2, 200, 5, .decimal(2.5), at: t),
            Fixture.reading(2, 201, 2, .text("production"), at: t),
        ])
        try p.flush()
        return (db, store)
    }

    static let tenantTables = ["tenants", "entities", "entity_values_ts", "entity_jsonb"]

    static func count(_ c: PostgresConnection, _ table: String, tenant: Int64? = nil) throws -> Int64 {
        // Table names come from the fixed list above, never from input.
        let sql = "SELECT count(*) FROM atlas.\(table)" + (tenant == nil ? "" : " WHERE tenant_id = $1")
        return try c.execute(.init("count_\(table)", sql), tenant.map { [String($0)] } ?? []).int64(0, 0)!
    }

    static func setTenant(_ c: PostgresConnection, _ tenant: Int64) throws {
        try c.execute(.init("set_tenant", "SELECT set_config('app.tenant_id', $1, true)"), [String(tenant)])
    }

    @Test func noTenantSeesNothing() throws {
        let (db, _) = try Self.seeded()
        defer { db.drop() }
        let app = try db.app()
        for t in Self.tenantTables { #expect(try Self.count(app, t) == 0, "\(t) visible without a tenant") }
        // And the owner role is subject to its own policies (FORCE ROW LEVEL SECURITY).
        let owner = try db.owner()
        try owner.execute(.init("begin", "BEGIN"))
        try owner.execute(.init("as_owner", "SET LOCAL ROLE atlas_owner"))
        for t in Self.tenantTables { #expect(try Self.count(owner, t) == 0, "\(t) visible to atlas_owner without a tenant") }
        try owner.execute(.init("rollback", "ROLLBACK"))
    }

    @Test func tenantCannotReadAnotherTenant() throws {
        let (db, _) = try Self.seeded()
        defer { db.drop() }
        let app = try db.app()
        try app.transaction("read") {
            try Self.setTenant(app, 1)
            for t in Self.tenantTables {
                #expect(try Self.count(app, t, tenant: 2) == 0, "tenant 2 rows of \(t) visible to tenant 1")
            }
            #expect(try Self.count(app, "entity_values_ts") == 2)
            #expect(try Self.count(app, "entity_jsonb") == 1)
            // Point lookups by key of another tenant's rows, as the store's queries do.
            let r = try app.execute(.init("jsonb_by_key", "SELECT hot_attrs FROM atlas.entity_jsonb WHERE entity_id = $1"), ["200"])
            #expect(r.rowCount == 0)
        }
    }

    @Test func tenantCannotUpdateOrDeleteAnotherTenant() throws {
        let (db, store) = try Self.seeded()
        defer { db.drop() }
        let app = try db.app()
        try app.execute(.init("begin", "BEGIN"))
        try Self.setTenant(app, 1)
        let upd = try app.execute(.init("update_other", "UPDATE atlas.entities SET is_deleted = TRUE WHERE tenant_id = $1"), ["2"])
        #expect(upd.affectedRows == 0)
        let del = try app.execute(.init("delete_other", "DELETE FROM atlas.entity_values_ts WHERE entity_id = $1"), ["200"])
        #expect(del.affectedRows == 0)
        let delAll = try app.execute(.init("delete_all_hot", "DELETE FROM atlas.entity_jsonb"))
        #expect(delAll.affectedRows == 1) // only tenant 1's own row
        try app.execute(.init("rollback", "ROLLBACK"))
        // Moving a row to another tenant, or inserting as another tenant, violates the policy.
        for (name, sql, param) in [
            ("move_row", "UPDATE atlas.entity_jsonb SET tenant_id = $1 WHERE entity_id = 100", "2"),
            ("insert_other", "INSERT INTO atlas.entities (entity_id, tenant_id, entity_type) VALUES (999, $1, 'x')", "2"),
        ] {
            let e = #expect(throws: PostgresError.self) {
                try app.transaction(name) {
                    try Self.setTenant(app, 1)
                    try app.execute(.init(name, sql), [param])
                }
            }
            #expect(e?.code == .insufficientPrivilege, "\(name): \(String(describing: e))")
            #expect(e?.statementName == name)
        }
        // Tenant 2's data is intact, seen through the store.
        #expect(try store.counts(tenantID: 2) == StoreCounts(entities: 2, timeSeriesRows: 3, hotEntities: 2))
        #expect(try store.hotAttributes(tenantID: 2, entityID: 200)?.hotAttributes["status"] == .text("offline"))
    }

    @Test func noBackDoors() throws {
        let (db, _) = try Self.seeded()
        defer { db.drop() }
        let app = try db.app()
        // Partitions (no grants), staging (INSERT only), the cross-tenant materialized view,
        // the flusher role, and switching RLS off are all refused.
        for (name, sql) in [
            ("partition_direct", "SELECT count(*) FROM atlas.entity_jsonb_p0"),
            ("ts_partition_direct", "SELECT count(*) FROM atlas.entity_values_ts_2025_10"),
            ("read_staging", "SELECT count(*) FROM atlas.entity_values_ingest"),
            ("read_mv", "SELECT count(*) FROM atlas.mv_entity_attribute_stats"),
            ("become_flusher", "SET ROLE atlas_flusher"),
            ("disable_rls", "ALTER TABLE atlas.entity_jsonb DISABLE ROW LEVEL SECURITY"),
            ("no_force", "ALTER TABLE atlas.entities NO FORCE ROW LEVEL SECURITY"),
            ("drop_policy", "DROP POLICY tenant_isolation ON atlas.entities"),
            ("partition_ddl", "SELECT atlas.ensure_ts_partition(now())"),
            // A temp table named like stage_flush's work table would run the app's trigger
            // as the flusher (which bypasses RLS) during the next flush.
            ("temp_table", "CREATE TEMP TABLE flush_hot (entity_id bigint)"),
            // Entities are soft-deleted only: a writer's entity_known flag relies on it.
            ("delete_entity", "DELETE FROM atlas.entities"),
        ] {
            let e = #expect(throws: PostgresError.self, "\(name) was allowed") {
                try app.execute(.init(name, sql))
            }
            #expect(e?.code == .insufficientPrivilege, "\(name): \(String(describing: e))")
        }
        // The stats view is scoped to the transaction's tenant.
        try PostgresSchema.refreshStats(url: db.ownerURL)
        try app.transaction("stats") {
            try Self.setTenant(app, 1)
            let r = try app.execute(.init("stats_view", "SELECT DISTINCT tenant_id FROM atlas.entity_attribute_stats"))
            #expect(r.rowCount == 1 && r.int64(0, 0) == 1)
        }
    }
}

