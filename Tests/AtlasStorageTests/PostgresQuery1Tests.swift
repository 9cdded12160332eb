import AtlasCore
@testable import AtlasStorage
import Testing

/// Query 1's layout (migration 8): `entity_jsonb` partitioned by tenant, a tenant's query
/// planned over its one partition, and attribute names written into the statement as
/// quoted literals. Plan shapes here are structural (pruning), not timings.
@Suite(.enabled(if: PostgresTestServer.enabled, "set ATLAS_PG_URL (scripts/pg-local start)"))
struct PostgresQuery1Tests {
    static let q1: [HotPredicate] = [
        .equals("environment", .text("production")),
        .oneOf("status", [.text("online"), .text("warning")]),
        .atLeast("priority", 8),
    ]

    @Test func entityJsonbIsHashPartitionedByTenant() throws {
        let db = try PostgresTestDatabase()
        defer { db.drop() }
        let r = try db.owner().execute(.init("partition_key", """
            SELECT p.partstrat::text, a.attname::text,
                   (SELECT count(*) FROM pg_inherits WHERE inhparent = p.partrelid)
            FROM pg_partitioned_table p
            JOIN pg_attribute a ON a.attrelid = p.partrelid AND a.attnum = p.partattrs[0]
            WHERE p.partrelid = 'atlas.entity_jsonb'::regclass
            """))
        #expect(r.string(0, 0) == "h" && r.string(0, 1) == "tenant_id" && r.int64(0, 2) == 4)
    }

    @Test func tenantQueryReadsOnePartition() throws {
        let db = try PostgresTestDatabase()
        defer { db.drop() }
        let store = try db.store()
        let p = try Fixture.Pipeline(store)
        let t = Fixture.t0
        var rs: [Reading] = []
        for tenant in Int64(1)...3 {
            for e in Int64(1)...20 {
                let id = tenant * 100 + e
                rs += [Fixture.reading(tenant, id, 1, .text(e % 2 == 0 ? "online" : "warning"), at: t + e),
                       Fixture.reading(tenant, id, 2, .text("production"), at: t + e),
                       Fixture.reading(tenant, id, 3, .int(e % 10), at: t + e)]
            }
        }
        try p.ingest(rs)
        try p.flush()
        let q = HotQuery(tenantID: 2, predicates: Self.q1, limit: 5)
        // priority 8 and 9 of 1...20: entities 219, 218, 209, 208, newest first.
        #expect(try store.findEntities(q).map(\.entityID) == [219, 218, 209, 208])
        // One partition read, several times over so the plan cache's choice after its first
        // custom plans is covered too: a custom plan prunes the others when planned, a generic
        // one when the executor starts (the other 3 of modulus 4 removed).
        for _ in 0..<7 {
            let plan = try store.explainFindEntities(q).joined(separator: "\n")
            let partitions = Set(plan.split(whereSeparator: { !($0.isLetter || $0.isNumber || $0 == "_") })
                .filter { $0.hasPrefix("entity_jsonb_p") && $0.dropFirst(14).allSatisfy(\.isNumber) })
            #expect(partitions.count == 1, "\(plan)")
            #expect(!plan.contains("Merge Append") || plan.contains("Subplans Removed: 3"), "\(plan)")
        }
        // The same statement the store runs, named by its text; the limit a parameter.
        let (stmt, params) = try store.findEntitiesStatement(q)
        #expect(stmt.name.hasPrefix("find_entities_") && params.first == "2" && params.last == "5")
        #expect(stmt.sql.contains("LIMIT 8\n") && stmt.sql.hasSuffix("LIMIT $\(params.count)"), "\(stmt.sql)")
        // No planner settings anywhere in the transaction: not in the query, and not in the
        // statement that sets the session up for it (where they used to be).
        for sql in [stmt.sql, PostgresStore.SQL.setTenantForQuery1.sql] {
            #expect(!sql.contains("enable_") && !sql.contains("plan_cache_mode"), "\(sql)")
        }
    }

    /// Query 1 before the constant inner bound (the limit only a parameter): the reference
    /// the store's statement must agree with.
    static let previousQuery1 = PostgresConnection.Statement("previous_query1", """
        SELECT e.entity_id, (extract(epoch FROM ej.updated_at) * 1000000)::bigint
        FROM atlas.entity_jsonb ej
        JOIN atlas.entities e ON e.entity_id = ej.entity_id AND e.tenant_id = ej.tenant_id
        WHERE ej.tenant_id = $1 AND e.tenant_id = $1 AND e.is_deleted = FALSE
          AND ej.hot_environment = $2::text AND ej.hot_status = ANY($3::text[]) AND ej.hot_priority >= $4::float8
        ORDER BY ej.updated_at DESC, ej.entity_id
        LIMIT $5
        """)

    /// Three tenants of 60 entities each: status, environment and priority cycle at different
    /// periods, ties on updated_at (every 7th entity shares its neighbour's time), some deleted.
    static func loadMixedTenants(_ db: PostgresTestDatabase, _ store: PostgresStore) throws {
        let p = try Fixture.Pipeline(store)
        let statuses = ["online", "warning", "offline", "maintenance"]
        let envs = ["production", "staging", "development"]
        var rs: [Reading] = []
        for tenant in Int64(1)...3 {
            for e in Int64(1)...60 {
                let id = tenant * 1000 + e
                let at = Fixture.t0 + (e % 7 == 0 ? e - 1 : e) * 1000
                rs += [Fixture.reading(tenant, id, 1, .text(statuses[Int((e + tenant) % 4)]), at: at),
                       Fixture.reading(tenant, id, 2, .text(envs[Int(e % 3)]), at: at),
                       Fixture.reading(tenant, id, 3, .int((e * tenant) % 10), at: at)]
            }
        }
        try p.ingest(rs)
        try p.flush()
        // The owner is a superuser: RLS does not hide other tenants' rows from it.
        try db.owner().execute(.init("delete_some", "UPDATE atlas.entities SET is_deleted = TRUE WHERE entity_id % 11 = 0"))
    }

    @Test func boundedStatementAnswersAsThePreviousOne() throws {
        let db = try PostgresTestDatabase()
        defer { db.drop() }
        let store = try db.store()
        try Self.loadMixedTenants(db, store)
        let app = try db.app()
        // The store's statement again with the generic plan forced (this test connection only),
        // in case the plan cache of the store's own session keeps choosing custom plans here.
        let generic = try db.app()
        try generic.execute(.init("force_generic", "SET plan_cache_mode = force_generic_plan"))
        let shapes: [(String, String, Double)] = [("production", "{online,warning}", 8), ("staging", "{offline}", 0),
                                                 ("development", "{online,warning,offline,maintenance}", 3)]
        var compared = 0
        // Each shape and limit several times over: the plan cache switches to a generic plan
        // after five executions when it costs less, and both plans must answer alike.
        for _ in 0..<3 {
            for tenant in Int64(1)...3 {
                for (env, statuses, priority) in shapes {
                    for limit in [1, 2, 3, 5, 8, 9, 40, 100] {
                        let preds: [HotPredicate] = [
                            .equals("environment", .text(env)),
                            .oneOf("status", statuses.dropFirst().dropLast().split(separator: ",").map { .text(String($0)) }),
                            .atLeast("priority", priority),
                        ]
                        let got = try store.findEntities(HotQuery(tenantID: tenant, predicates: preds, limit: limit))
                        let want = try app.transaction("previous") {
                            try app.execute(.init("set_tenant", "SELECT set_config('app.tenant_id', $1, true)"), [String(tenant)])
                            let r = try app.execute(Self.previousQuery1, [String(tenant), env, statuses, String(priority), String(limit)])
                            return (0..<r.rowCount).map { [r.int64($0, 0)!, r.int64($0, 1)!] }
                        }
                        let (stmt, params) = try store.findEntitiesStatement(HotQuery(tenantID: tenant, predicates: preds, limit: limit))
                        let forced = try generic.transaction("generic") {
                            try generic.execute(.init("set_tenant", "SELECT set_config('app.tenant_id', $1, true)"), [String(tenant)])
                            let r = try generic.run(stmt, params)
                            return (0..<r.rowCount).map { [r.int64($0, 0)!, r.int64($0, 3)!] }
                        }
                        #expect(got.map { [$0.entityID, $0.updatedAtMicros] } == want, "tenant \(tenant) \(env) \(statuses) \(limit)")
                        #expect(forced == want, "generic plan: tenant \(tenant) \(env) \(statuses) \(limit)")
                        #expect(got.allSatisfy { $0.entityID / 1000 == tenant })
                        compared += want.count
                    }
                }
            }
        }
        #expect(compared > 500) // the shapes match rows, not only empty answers
    }

    /// The store's statement under RLS, with either plan the cache may hold (forced here on a
    /// test connection only): the tenant set for the transaction bounds what it returns, even
    /// when its tenant parameter names another.
    @Test func boundedStatementCannotCrossTenants() throws {
        let db = try PostgresTestDatabase()
        defer { db.drop() }
        let store = try db.store()
        try Self.loadMixedTenants(db, store)
        let q = HotQuery(tenantID: 2, predicates: [.oneOf("status", [.text("online"), .text("warning"), .text("offline"),
                                                                        .text("maintenance")])], limit: 100)
        let own = try store.findEntities(q).map(\.entityID)
        #expect(!own.isEmpty && own.allSatisfy { $0 / 1000 == 2 })
        let (stmt, params) = try store.findEntitiesStatement(q)
        let app = try db.app()
        for mode in ["force_custom_plan", "force_generic_plan"] {
            try app.execute(.init("plan_mode_\(mode)", "SELECT set_config('plan_cache_mode', $1, false)"), [mode])
            for _ in 0..<7 {
                let (mine, foreign) = try app.transaction("cross") {
                    try app.execute(.init("set_tenant", "SELECT set_config('app.tenant_id', '1', true)"))
                    let mine = try app.run(stmt, ["1"] + params.dropFirst())
                    let foreign = try app.run(stmt, params)
                    return ((0..<mine.rowCount).map { mine.int64($0, 0)! }, foreign.rowCount)
                }
                #expect(!mine.isEmpty && mine.allSatisfy { $0 / 1000 == 1 }, "\(mode)")
                #expect(foreign == 0, "\(mode)")
            }
        }
    }

    @Test func pipelinedTransactionRollsBackOnError() throws {
        let db = try PostgresTestDatabase()
        defer { db.drop() }
        let c = try db.owner()
        try c.execute(.init("t", "CREATE TABLE atlas.pipeline_probe (v int)"))
        let insert = PostgresConnection.Statement("probe_insert", "INSERT INTO atlas.pipeline_probe VALUES ($1::int)")
        let fail = PostgresConnection.Statement("probe_fail", "SELECT 1 / $1::int")
        let e = #expect(throws: PostgresError.self) {
            _ = try c.pipelinedTransaction("probe", [(insert, ["1"]), (fail, ["0"]), (insert, ["2"])])
        }
        #expect(e?.code.raw == "22012" && e?.statementName == "probe_fail")
        // Nothing committed, no transaction left open, the connection still usable.
        let ok = try c.pipelinedTransaction("probe", [(insert, ["3"]), (fail, ["1"])])
        #expect(ok.count == 2 && ok[1].int64(0, 0) == 1)
        #expect(try c.execute(.init("probe_rows", "SELECT string_agg(v::text, ',') FROM atlas.pipeline_probe")).string(0, 0) == "3")
    }

    @Test func findEntitiesReconnectsWhenItsBackendIsLost() throws {
        let db = try PostgresTestDatabase()
        defer { db.drop() }
        let store = try db.store()
        let p = try Fixture.Pipeline(store)
        let t = Fixture.t0
        try p.ingest([Fixture.reading(1, 1, 1, .text("online"), at: t), Fixture.reading(1, 1, 2, .text("production"), at: t),
                      Fixture.reading(1, 1, 3, .int(9), at: t)])
        try p.flush()
        let q = HotQuery(tenantID: 1, predicates: Self.q1, limit: 5)
        #expect(try store.findEntities(q).map(\.entityID) == [1])
        // The statements are prepared now: the next call goes straight into the pipeline,
        // which meets the dead backend, reconnects, re-prepares and retries.
        let pid = try store.connection.execute(.init("backend_pid", "SELECT pg_backend_pid()")).string(0, 0)!
        try db.owner().execute(.init("terminate", "SELECT pg_terminate_backend($1::int)"), [pid])
        #expect(try store.findEntities(q).map(\.entityID) == [1])
        #expect(store.connection.reconnectCount == 1)
    }

    @Test func explainPassesQuotedValuesToItsStatement() throws {
        let db = try PostgresTestDatabase()
        defer { db.drop() }
        let store = try db.store()
        let name = "it's" // the catalog refuses backslashes in names; the value has one
        let catalog = try Catalog(tenants: [Tenant(id: 1, name: "acme")],
                                  attributes: [Attribute(id: 1, name: name, dataType: .text, isHot: true)])
        try store.install(catalog: catalog)
        let clock = ManualClock(nowMicros: Fixture.t0)
        let ingestor = try Ingestor(validator: Validator(catalog: catalog), log: InMemoryIngestLog(), store: store, clock: clock)
        try ingestor.ingest([Fixture.reading(1, 1, 1, .text(#"a\'b"#), at: Fixture.t0),
                             Fixture.reading(1, 2, 1, .text("c"), at: Fixture.t0 + 1)])
        try Flusher(ingestor: ingestor, clock: clock).flushNow()
        let q = HotQuery(tenantID: 1, predicates: [.oneOf(name, [.text(#"a\'b"#), .text("x")])])
        #expect(try store.findEntities(q).map(\.entityID) == [1])
        // EXECUTE's arguments are literals (E'' for the value's backslash): the plan finds the same row.
        let plan = try store.explainFindEntities(q)
        #expect(plan.first?.contains("rows=1 loops=1") == true, "\(plan.joined(separator: "\n"))")
    }

    @Test func attributeNamesAreQuotedNotSpliced() throws {
        let db = try PostgresTestDatabase()
        defer { db.drop() }
        let store = try db.store()
        let catalog = try Catalog(tenants: [Tenant(id: 1, name: "acme")], attributes: [
            Attribute(id: 1, name: "it's'); DROP TABLE atlas.entities; --", dataType: .text, isHot: true),
            Attribute(id: 2, name: "o'level", dataType: .int, isHot: true),
        ])
        try store.install(catalog: catalog)
        let clock = ManualClock(nowMicros: Fixture.t0)
        let ingestor = try Ingestor(validator: Validator(catalog: catalog), log: InMemoryIngestLog(), store: store, clock: clock)
        let t = Fixture.t0
        try ingestor.ingest([
            Fixture.reading(1, 1, 1, .text("a'b"), at: t), Fixture.reading(1, 1, 2, .int(5), at: t),
            Fixture.reading(1, 2, 1, .text("c"), at: t + 1), Fixture.reading(1, 2, 2, .int(7), at: t + 1),
        ])
        try Flusher(ingestor: ingestor, clock: clock).flushNow()
        let name = "it's'); DROP TABLE atlas.entities; --"
        #expect(try store.findEntities(HotQuery(tenantID: 1, predicates: [.equals(name, .text("a'b"))])).map(\.entityID) == [1])
        #expect(try store.findEntities(HotQuery(tenantID: 1, predicates: [.oneOf(name, [.text("c"), .text("x")])])).map(\.entityID) == [2])
        #expect(try store.findEntities(HotQuery(tenantID: 1, predicates: [.atLeast("o'level", 6)])).map(\.entityID) == [2])
        #expect(try store.findEntities(HotQuery(tenantID: 1, predicates: [.equals("o'level", .int(5))])).map(\.entityID) == [1])
        #expect(try store.counts(tenantID: 1).entities == 2)
    }
}

/// The constant inner bound of Query 1's statement (no server needed).
struct Query1StatementTests {
    @Test func innerBoundIsThePowerOfTwoAtOrAboveTheLimit() {
        #expect([1, 2, 3, 4, 5, 100, 128, 129, 10_000].map(PostgresStore.limitBound) == [1, 2, 4, 4, 8, 128, 128, 256, 16_384])
        let status = Attribute(id: 1, name: "status", dataType: .text, isHot: true)
        let (sql, params) = PostgresStore.query1SQL(
            tenantID: 7, predicates: [(status, .oneOf("status", [.text("online")]))], limit: 100)
        #expect(sql.contains("LIMIT 128\n") && sql.hasSuffix("LIMIT $3"), "\(sql)")
        #expect(params == ["7", "{\"online\"}", "100"])
    }

    @Test func arrayLiteralsEscapeOnlyWhatNeedsIt() {
        #expect(PostgresArray.literal(["online", "warning"]) == #"{"online","warning"}"#)
        #expect(PostgresArray.literal([#"a"b"#, #"c\d"#, ""]) == #"{"a\"b","c\\d",""}"#)
        #expect(PostgresArray.literal(["1", "2"], quoted: false) == "{1,2}")
    }
}
