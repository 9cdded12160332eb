import ArgumentParser
import AtlasCore
import AtlasStorage
import Foundation

/// `atlas bench query`: spec Query 1 on the hybrid projection (through
/// `PostgresStore.findEntities`, RLS and all) versus the same question on pure EAV
/// (`entity_values_ts`) as a self-join and as a pivot, at ≥ 1M entities, with the
/// planner's own plans. Data is generated server-side (deterministic `setseed`): each
/// entity has exactly one reading per hot attribute, so the EAV forms need no
/// "latest value" step (which flatters EAV).
struct BenchQuery: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Query 1: hybrid JSONB projection vs pure EAV (self-join, pivot), with EXPLAIN ANALYZE.")

    @Option(name: .long, help: "Superuser URL of the server; defaults to $ATLAS_PG_URL.") var postgres: String?
    @Option(help: "Entities to generate.") var entities: Int = 1_000_000
    // 1,000 so that p99 is the 10th-worst run, not the 3rd-worst of 300.
    @Option(help: "Timed runs of the hybrid query.") var runs: Int = 1000
    @Option(help: "Timed runs of each EAV form.") var eavRuns: Int = 30
    @Option(help: "HASH partitions of entity_jsonb.") var jsonbModulus: Int = 100
    @Option(help: "Percent of entities whose projection row is then rewritten, as flushes do, before the hybrid query is timed again without a VACUUM (0: skip).")
    var churnPercent: Int = 10
    @Flag(help: "Keep the benchmark database (prints its name).") var keep = false

    func run() throws {
        let url = try resolveURL(postgres)
        #if DEBUG
        print("warning: debug build; benchmark figures need `swift build -c release`")
        #endif
        print(MachineInfo.summary)
        let bench = try PostgresBenchDatabase(serverURL: url, prefix: "atlas_bench_q")
        bench.keep = keep
        defer { bench.drop() }
        try PostgresSchema.apply(url: bench.ownerURL, settings: .init(
            jsonbModulus: jsonbModulus, entityPartitionsUpFront: entities / 1_000_000 + 1,
            appPassword: bench.appPassword))
        let owner = try PostgresConnection(url: bench.ownerURL, options: .init(statementTimeoutMs: nil))
        let store = try PostgresStore(config: .init(url: bench.appURL))
        let workload = BenchWorkload(hotFraction: 1, seed: 1)
        try store.install(catalog: workload.catalog)
        let t0 = monotonicSeconds()
        try QueryBenchData.generate(owner: owner, entities: entities)
        print(String(format: "generated %d entities (%d time-series rows, %d hot rows) in %.1f s; ANALYZE done",
                     entities, entities * 4, entities, monotonicSeconds() - t0))
        print("bench query: tenant-scoped Query 1 (production, status online|warning, priority >= 8, newest 100), 10 tenants of \(entities / 10) entities")

        let forms = QueryBenchForms()
        let hybrid = try timeRuns(runs) { tenant in
            _ = try store.findEntities(forms.query(tenant))
        }
        // The store's statement against the one before it (LIMIT only a parameter, so the
        // plan cache planned every execution), each in the same pipelined transaction on the
        // store's connection, rows not decoded, alternating run by run so that both meet the
        // same load.
        let (current, previous) = try forms.timeStatements(store, runs: runs)
        let selfJoin = try timeRuns(eavRuns) { tenant in try forms.runEAV(store.connection, forms.selfJoin, tenant) }
        let pivot = try timeRuns(eavRuns) { tenant in try forms.runEAV(store.connection, forms.pivot, tenant) }
        // The spec's indexes alone (PK + GIN): the store's own statement, with the Query 1
        // index dropped in a transaction that is rolled back afterwards.
        let specOnly = try forms.withoutQuery1Index(owner) {
            try timeRuns(max(eavRuns, 30)) { tenant in
                let (stmt, params) = try store.findEntitiesStatement(forms.query(tenant))
                try forms.runAsOwner(owner, stmt.sql, params, tenant)
            }
        }
        // Same answers: the hybrid and EAV forms return the same entity ids.
        let a = try store.findEntities(forms.query(3)).map(\.entityID)
        let b = try forms.ids(store.connection, forms.selfJoin, 3)
        let c = try forms.ids(store.connection, forms.pivot, 3)
        print("answers agree (tenant 3, 100 rows): hybrid = self-join \(a == b), hybrid = pivot \(a == c)")

        func line(_ name: String, _ s: [Double]) -> String {
            String(format: "  %-44@ p50 %8.2f ms   p99 %8.2f ms   (%d runs)", name as NSString,
                   percentile(s, 0.5), percentile(s, 0.99), s.count)
        }
        print(line("hybrid (entity_jsonb, store.findEntities)", hybrid))
        print(line("  its statement alone (pipelined, no decode)", current))
        print(line("  the previous statement, same way", previous))
        print(line("pure EAV self-join (entity_values_ts)", selfJoin))
        print(line("pure EAV pivot (GROUP BY + FILTER)", pivot))
        print(line("hybrid, spec indexes only (no Query 1 btree)", specOnly))
        let best = min(percentile(selfJoin, 0.5), percentile(pivot, 0.5))
        let bestP99 = min(percentile(selfJoin, 0.99), percentile(pivot, 0.99))
        print(String(format: "  speedup vs best EAV form: p50 %.1fx, p99 %.1fx", best / percentile(hybrid, 0.5),
                     bestP99 / percentile(hybrid, 0.99)))
        print(String(format: "  Query 1 btree vs spec indexes only: p50 %.1fx", percentile(specOnly, 0.5) / percentile(hybrid, 0.5)))

        // The store's prepared statement, EXPLAINed through its own session's plan cache.
        let (stmt, params) = try store.findEntitiesStatement(forms.query(3))
        print("\nEXPLAIN ANALYZE — hybrid, store.findEntities' own prepared statement \(stmt.name), tenant 3:")
        print(QueryBenchForms.abbreviated(try store.explainFindEntities(forms.query(3))))
        let plans = try store.connection.execute(.init("bench_plan_counts", """
            SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE name = $1
            """), [stmt.name])
        print("  plans this session: \(plans.int64(0, 0) ?? 0) generic, \(plans.int64(0, 1) ?? 0) custom (plan_cache_mode auto)")
        print("  statement:\n" + stmt.sql.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n"))
        for (name, sql) in [("EAV self-join", forms.selfJoin), ("EAV pivot", forms.pivot)] {
            print("\nEXPLAIN ANALYZE — \(name), tenant 3:")
            print(try forms.explain(store.connection, sql, [String(3)], 3))
        }
        print("\nEXPLAIN ANALYZE — hybrid with the spec's indexes only, tenant 3:")
        print(try forms.withoutQuery1Index(owner) { try forms.explain(owner, stmt.sql, params, 3, asOwner: true) })
        if churnPercent > 0 { try timeAfterChurn(store: store, owner: owner, forms: forms) }
        if keep { print("kept database \(bench.name)") }
    }

    /// The hybrid query again after `churnPercent` % of `entity_jsonb` rows got a new version
    /// with a recent `updated_at` (what a flush does to an entity with a new hot value), with
    /// no VACUUM since: the newest rows, the ones Query 1 reads, sit on pages that are not
    /// all-visible and the index holds their dead entries. The rows stay as generated
    /// otherwise, so this part is not compared with EAV.
    func timeAfterChurn(store: PostgresStore, owner: PostgresConnection, forms: QueryBenchForms) throws {
        let t0 = monotonicSeconds()
        let r = try owner.execute(.init("bench_churn", """
            UPDATE atlas.entity_jsonb SET updated_at = date_trunc('second', now()) - make_interval(secs => floor(random() * 3600))
            WHERE entity_id % 100 < $1::int
            """), [String(churnPercent)])
        print(String(format: "\nchurn: %d rows of entity_jsonb rewritten with updated_at in the last hour (%.1f s), no VACUUM",
                     r.affectedRows, monotonicSeconds() - t0))
        let churned = try timeRuns(runs) { tenant in _ = try store.findEntities(forms.query(tenant)) }
        print(String(format: "  %-44@ p50 %8.2f ms   p99 %8.2f ms   (%d runs)", "hybrid after churn, no VACUUM" as NSString,
                     percentile(churned, 0.5), percentile(churned, 0.99), churned.count))
        print("EXPLAIN ANALYZE — hybrid after churn, tenant 3:")
        print(QueryBenchForms.abbreviated(try store.explainFindEntities(forms.query(3))))
    }

    /// Runs `body` for tenants 1...10 round-robin: 3 warm-up passes, then `n` timed runs (ms).
    func timeRuns(_ n: Int, _ body: (Int64) throws -> Void) throws -> [Double] {
        for t in 1...10 { try body(Int64(t)) }
        var out: [Double] = []
        for i in 0..<n {
            let s = monotonicSeconds()
            try body(Int64(i % 10 + 1))
            out.append((monotonicSeconds() - s) * 1000)
        }
        return out
    }
}

/// The Query 1 forms the query benchmark compares.
struct QueryBenchForms {
    let predicates: [HotPredicate] = [
        .equals("environment", .text("production")),
        .oneOf("status", [.text("online"), .text("warning")]),
        .atLeast("priority", 8),
    ]

    /// Query 1 for `tenant`, as the hybrid form asks the store.
    func query(_ tenant: Int64) -> HotQuery { HotQuery(tenantID: tenant, predicates: predicates, limit: 100) }

    /// Query 1 as the store ran it before the constant inner bound: `LIMIT $5` alone, which
    /// the plan cache costed at 10 % of the rows in a generic plan and so planned every time.
    let previousHybrid = """
        SELECT e.entity_id, e.entity_type, ej.hot_attrs::text,
               (extract(epoch FROM ej.updated_at) * 1000000)::bigint
        FROM atlas.entity_jsonb ej
        JOIN atlas.entities e ON e.entity_id = ej.entity_id AND e.tenant_id = ej.tenant_id
        WHERE ej.tenant_id = $1 AND e.tenant_id = $1 AND e.is_deleted = FALSE
          AND ej.hot_environment = $2::text
          AND ej.hot_status = ANY($3::text[])
          AND ej.hot_priority >= $4::float8
        ORDER BY ej.updated_at DESC, ej.entity_id
        LIMIT $5
        """

    /// Times the store's Query 1 statement and `previousHybrid` alternately (3 warm-up passes
    /// over the tenants, then `runs` of each), each in BEGIN / tenant + `jit = off` / query /
    /// COMMIT sent as one pipeline, as `findEntities` sends it; rows are not decoded (ms).
    func timeStatements(_ store: PostgresStore, runs: Int) throws -> ([Double], [Double]) {
        let setTenant = PostgresConnection.Statement("bench_set_tenant_query1", """
            SELECT set_config('app.tenant_id', $1, true), set_config('jit', 'off', true)
            """)
        let previous = PostgresConnection.Statement("bench_previous_query1", previousHybrid)
        var a: [Double] = [], b: [Double] = []
        for i in 0..<(30 + runs) {
            let tenant = Int64(i % 10 + 1)
            let (stmt, params) = try store.findEntitiesStatement(query(tenant))
            let s0 = monotonicSeconds()
            let ra = try store.connection.pipelinedTransaction("bench_current", [(setTenant, [String(tenant)]), (stmt, params)])[1]
            let s1 = monotonicSeconds()
            let rb = try store.connection.pipelinedTransaction("bench_previous", [
                (setTenant, [String(tenant)]), (previous, [String(tenant), "production", "{online,warning}", "8", "100"])])[1]
            let s2 = monotonicSeconds()
            guard ra.rowCount == rb.rowCount, (0..<ra.rowCount).allSatisfy({ ra.int64($0, 0) == rb.int64($0, 0) }) else {
                throw QueryBenchError.answersDiffer(tenant: tenant)
            }
            if i >= 30 {
                a.append((s1 - s0) * 1000)
                b.append((s2 - s1) * 1000)
            }
        }
        return (a, b)
    }

    /// Pure EAV, one join per attribute (the classic EAV answer).
    let selfJoin = """
        SELECT e.entity_id, e.entity_type, s.value AS status, env.value AS environment, p.value_int AS priority,
               r.value AS region,
               GREATEST(s.ingested_at, env.ingested_at, p.ingested_at, r.ingested_at) AS updated_at
        FROM atlas.entities e
        JOIN atlas.entity_values_ts env ON env.tenant_id = e.tenant_id AND env.entity_id = e.entity_id
             AND env.attribute_id = 2 AND env.value = 'production'
        JOIN atlas.entity_values_ts s ON s.tenant_id = e.tenant_id AND s.entity_id = e.entity_id
             AND s.attribute_id = 1 AND s.value IN ('online', 'warning')
        JOIN atlas.entity_values_ts p ON p.tenant_id = e.tenant_id AND p.entity_id = e.entity_id
             AND p.attribute_id = 3 AND p.value_int >= 8
        LEFT JOIN atlas.entity_values_ts r ON r.tenant_id = e.tenant_id AND r.entity_id = e.entity_id
             AND r.attribute_id = 4
        WHERE e.tenant_id = $1 AND e.is_deleted = FALSE
        ORDER BY updated_at DESC, e.entity_id
        LIMIT 100
        """

    /// Pure EAV, pivoted with conditional aggregates.
    let pivot = """
        SELECT e.entity_id, e.entity_type, v.status, v.environment, v.priority, v.region, v.updated_at
        FROM (
            SELECT entity_id,
                   max(value) FILTER (WHERE attribute_id = 1) AS status,
                   max(value) FILTER (WHERE attribute_id = 2) AS environment,
                   max(value_int) FILTER (WHERE attribute_id = 3) AS priority,
                   max(value) FILTER (WHERE attribute_id = 4) AS region,
                   max(ingested_at) AS updated_at
            FROM atlas.entity_values_ts
            WHERE tenant_id = $1 AND attribute_id IN (1, 2, 3, 4)
            GROUP BY entity_id
        ) v
        JOIN atlas.entities e ON e.entity_id = v.entity_id AND e.tenant_id = $1
        WHERE v.environment = 'production' AND v.status IN ('online', 'warning') AND v.priority >= 8
          AND e.is_deleted = FALSE
        ORDER BY v.updated_at DESC, e.entity_id
        LIMIT 100
        """

    /// Runs `sql` for `tenant` in a tenant-scoped transaction (RLS applies), discarding rows.
    func runEAV(_ c: PostgresConnection, _ sql: String, _ tenant: Int64) throws {
        _ = try scoped(c, tenant) { try c.execute(.init("bench_query", sql), [String(tenant)]) }
    }

    /// Runs the hybrid `sql` on the owner connection, inside `withoutQuery1Index`'s transaction.
    func runAsOwner(_ c: PostgresConnection, _ sql: String, _ params: [String?], _ tenant: Int64) throws {
        _ = try scoped(c, tenant, asOwner: true) { try c.execute(.init("bench_query", sql), params) }
    }

    func ids(_ c: PostgresConnection, _ sql: String, _ tenant: Int64) throws -> [Int64] {
        try scoped(c, tenant) {
            let r = try c.execute(.init("bench_query", sql), [String(tenant)])
            return (0..<r.rowCount).map { r.int64($0, 0)! }
        }
    }

    func explain(_ c: PostgresConnection, _ sql: String, _ params: [String?], _ tenant: Int64, asOwner: Bool = false) throws -> String {
        try scoped(c, tenant, asOwner: asOwner) {
            let r = try c.execute(.init("bench_explain", "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql), params)
            return Self.abbreviated((0..<r.rowCount).map { r.string($0, 0)! })
        }
    }

    /// A plan, with the middle of very long ones (one line group per partition) left out.
    static func abbreviated(_ lines: [String]) -> String {
        guard lines.count > 60 else { return lines.joined(separator: "\n") }
        return (lines.prefix(45) + ["   ... (\(lines.count - 50) plan lines omitted: one per partition) ..."]
                + lines.suffix(5)).joined(separator: "\n")
    }

    /// The tenant; the hybrid form (asOwner) also `jit = off`, as PostgresStore.findEntities
    /// sets it. No planner settings anywhere; the EAV forms run with the server's defaults.
    private func scoped<T>(_ c: PostgresConnection, _ tenant: Int64, asOwner: Bool = false, _ body: () throws -> T) throws -> T {
        func settings() throws {
            try c.execute(.init("bench_set_tenant", "SELECT set_config('app.tenant_id', $1, true)"), [String(tenant)])
            if asOwner { try c.execute(.init("bench_jit_off", "SELECT set_config('jit', 'off', true)")) }
        }
        if asOwner {
            // The owner connection is already inside the index-dropping transaction.
            try settings()
            return try body()
        }
        return try c.transaction("bench_query") {
            try settings()
            return try body()
        }
    }

    /// Runs `body` on `owner` inside a transaction without the Query 1 btree (rolled back).
    func withoutQuery1Index<T>(_ owner: PostgresConnection, _ body: () throws -> T) throws -> T {
        try owner.execute(.init("bench_begin", "BEGIN"))
        defer { _ = try? owner.execute(.init("bench_rollback", "ROLLBACK")) }
        try owner.execute(.init("bench_drop_index", "DROP INDEX atlas.idx_entity_jsonb_query1"))
        try owner.execute(.init("bench_role", "SET LOCAL ROLE atlas_app"))
        return try body()
    }
}

/// A query benchmark whose forms stop agreeing has nothing to compare.
enum QueryBenchError: Error, CustomStringConvertible {
    case answersDiffer(tenant: Int64)
    var description: String {
        switch self {
        case .answersDiffer(let t): return "bench query: the store's Query 1 statement and the previous one return different rows for tenant \(t)"
        }
    }
}

/// Server-side data generation for the query benchmark.
enum QueryBenchData {
    static func generate(owner: PostgresConnection, entities: Int) throws {
        // Deterministic: the same --entities always gives the same data.
        try owner.execute(.init("bench_seed", "SELECT setseed(0.42)"))
        try owner.execute(.init("bench_entities", """
            INSERT INTO atlas.entities (entity_id, tenant_id, entity_type)
            SELECT g, g % 10 + 1, 'device' FROM generate_series(1, $1::bigint) g
            """), [String(entities)])
        // One reading per hot attribute per entity, within the last 20 days.
        try owner.execute(.init("bench_ts", """
            INSERT INTO atlas.entity_values_ts (entity_id, tenant_id, attribute_id, value, value_int, ingested_at, log_offset)
            SELECT g, g % 10 + 1, a,
                   CASE a WHEN 1 THEN (ARRAY['online','warning','offline','maintenance'])[1 + floor(random() * 4)::int]
                          WHEN 2 THEN (ARRAY['production','staging','development'])[1 + floor(random() * 3)::int]
                          WHEN 4 THEN (ARRAY['us-west-2','us-east-1','eu-west-1','ap-south-1'])[1 + floor(random() * 4)::int]
                   END,
                   CASE WHEN a = 3 THEN 1 + floor(random() * 10)::bigint END,
                   date_trunc('second', now()) - make_interval(secs => floor(random() * 20 * 86400)),
                   (g - 1) * 4 + a
            FROM generate_series(1, $1::bigint) g, generate_series(1, 4) a
            ORDER BY 6
            """), [String(entities)])
        // The hot projection, built from those rows exactly as stage_flush would.
        try owner.execute(.init("bench_jsonb", """
            INSERT INTO atlas.entity_jsonb (entity_id, tenant_id, hot_attrs, attr_ts, updated_at)
            SELECT ev.entity_id, ev.tenant_id,
                   jsonb_object_agg(a.attribute_name, atlas.hot_json(a.data_type, ev.value, ev.value_int,
                                    ev.value_decimal, ev.value_bool, ev.value_timestamp)),
                   jsonb_object_agg(a.attribute_name, jsonb_build_array(
                                    (extract(epoch FROM ev.ingested_at) * 1000000)::bigint, ev.log_offset)),
                   max(ev.ingested_at)
            FROM atlas.entity_values_ts ev JOIN atlas.attributes a ON a.attribute_id = ev.attribute_id
            GROUP BY ev.entity_id, ev.tenant_id
            """))
        try owner.execute(.init("bench_flush_state", "UPDATE atlas.flush_state SET flushed_offset = $1"), [String(entities * 4)])
        try owner.execute(.init("bench_vacuum", "VACUUM ANALYZE atlas.entities, atlas.entity_jsonb, atlas.entity_values_ts"))
    }
}

/// `atlas bench storage`: BRIN vs btree on `entity_values_ts.ingested_at` at ≥ 10M rows,
/// and COPY into the UNLOGGED staging table vs the same table LOGGED (bulk and small
/// transactions), measured in one run.
struct BenchStorage: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "storage",
        abstract: "BRIN vs btree size at 10M rows; UNLOGGED vs LOGGED staging ingest.")

    @Option(name: .long, help: "Superuser URL of the server; defaults to $ATLAS_PG_URL.") var postgres: String?
    @Option(help: "Time-series rows to generate for the index comparison.") var rows: Int = 10_000_000
    @Option(help: "Rows COPYed into each staging table (bulk, 10,000-row transactions).") var stagingRows: Int = 1_000_000
    @Option(help: "Small transactions (50 rows each) per staging table.") var smallTransactions: Int = 2000

    func run() throws {
        let url = try resolveURL(postgres)
        #if DEBUG
        print("warning: debug build; benchmark figures need `swift build -c release`")
        #endif
        print(MachineInfo.summary)
        let bench = try PostgresBenchDatabase(serverURL: url, prefix: "atlas_bench_s")
        defer { bench.drop() }
        try PostgresSchema.apply(url: bench.ownerURL, settings: .init(jsonbModulus: 4, appPassword: bench.appPassword))
        let owner = try PostgresConnection(url: bench.ownerURL, options: .init(statementTimeoutMs: nil))

        // 1. UNLOGGED vs LOGGED staging.
        try owner.execute(.init("bench_logged_copy", """
            CREATE TABLE atlas.bench_ingest_logged (LIKE atlas.entity_values_ingest INCLUDING ALL)
            """))
        let logged = PostgresConnection.Statement("bench_copy_logged", PostgresCopyEncoder.stagingCopy.sql
            .replacingOccurrences(of: "atlas.entity_values_ingest", with: "atlas.bench_ingest_logged"))
        let workload = BenchWorkload(hotFraction: 0.2, seed: 7)
        for (name, stmt) in [("UNLOGGED entity_values_ingest", PostgresCopyEncoder.stagingCopy), ("LOGGED copy of it", logged)] {
            let bulk = try copyRate(owner, stmt, workload, transactions: stagingRows / 10_000, rowsPerTransaction: 10_000)
            let small = try copyRate(owner, stmt, workload, transactions: smallTransactions, rowsPerTransaction: 50)
            print(String(format: "  %-30@ bulk %9.0f rows/s (10k-row COPYs);  small %8.0f rows/s, %.2f ms per 50-row COPY transaction",
                         name as NSString, bulk.0, small.0, small.1))
        }
        print("  (UNLOGGED skips WAL: its commits need no WAL flush; the spec's ~10x is a per-small-transaction claim)")

        // 2. BRIN vs btree at `rows` rows, time-ordered as ingest produces them.
        let t0 = monotonicSeconds()
        try owner.execute(.init("bench_storage_rows", """
            INSERT INTO atlas.entity_values_ts (entity_id, tenant_id, attribute_id, value_decimal, ingested_at, log_offset)
            SELECT 1 + (g * 7919) % 1000000, 1 + g % 10, 100 + g % 20, (g % 100000) / 1000.0,
                   date_trunc('month', now()) + make_interval(secs => g * (20.0 * 86400 / $1::bigint)), g
            FROM generate_series(1, $1::bigint) g
            """), [String(rows)])
        try owner.execute(.init("bench_storage_analyze", "VACUUM ANALYZE atlas.entity_values_ts"))
        print(String(format: "generated %d rows in entity_values_ts (PK + BRIN + btree maintained) in %.1f s", rows, monotonicSeconds() - t0))
        let t1 = monotonicSeconds()
        try owner.execute(.init("bench_btree_time", "CREATE INDEX bench_btree_ingested_at ON atlas.entity_values_ts (ingested_at)"))
        let btreeBuild = monotonicSeconds() - t1
        func size(_ index: String) throws -> Int64 {
            try owner.execute(.init("bench_index_size", """
                SELECT sum(pg_relation_size(relid))::bigint FROM pg_partition_tree($1::regclass)
                """), [index]).int64(0, 0) ?? 0
        }
        let brin = try size("atlas.idx_entity_values_ts_brin")
        let btree = try size("atlas.bench_btree_ingested_at")
        let heap = try owner.execute(.init("bench_heap_size", """
            SELECT sum(pg_relation_size(relid))::bigint FROM pg_partition_tree('atlas.entity_values_ts'::regclass)
            """)).int64(0, 0) ?? 0
        print(String(format: "  heap %.1f MB; BRIN(ingested_at) %.3f MB; btree(ingested_at) %.1f MB (built in %.1f s); btree/BRIN = %.0fx",
                     Double(heap) / 1e6, Double(brin) / 1e6, Double(btree) / 1e6, btreeBuild, Double(btree) / Double(max(brin, 1))))
        // A one-hour window count through each index.
        for (name, setup) in [("BRIN", "SET LOCAL enable_indexscan = off; SET LOCAL enable_indexonlyscan = off; DROP INDEX atlas.bench_btree_ingested_at"),
                              ("btree", "SET LOCAL enable_bitmapscan = on")] {
            try owner.execute(.init("bench_begin", "BEGIN"))
            try owner.executeScript(name: "bench_setup", sql: setup)
            let q = PostgresConnection.Statement("bench_window", """
                SELECT count(*) FROM atlas.entity_values_ts
                WHERE ingested_at >= date_trunc('month', now()) + interval '5 days'
                  AND ingested_at < date_trunc('month', now()) + interval '5 days 1 hour'
                """)
            _ = try owner.execute(q)
            var ms: [Double] = []
            for _ in 0..<20 {
                let s = monotonicSeconds()
                _ = try owner.execute(q)
                ms.append((monotonicSeconds() - s) * 1000)
            }
            let plan = try owner.execute(.init("bench_window_plan", "EXPLAIN (COSTS OFF) " + q.sql))
            let scan = (0..<plan.rowCount).compactMap { plan.string($0, 0) }.first { $0.contains("Scan") }?
                .trimmingCharacters(in: .whitespaces) ?? "?"
            try owner.execute(.init("bench_rollback", "ROLLBACK"))
            print(String(format: "  1-hour window count via %@: p50 %.2f ms (%@)", name, percentile(ms, 0.5), scan))
        }
    }

    /// COPYs `transactions` × `rowsPerTransaction` staging rows; (rows/s, ms per transaction).
    func copyRate(_ c: PostgresConnection, _ stmt: PostgresConnection.Statement, _ workload: BenchWorkload,
                  transactions: Int, rowsPerTransaction: Int) throws -> (Double, Double) {
        var gen = workload.generator(seedOffset: 5)
        let clock = WallClock()
        var offset: Int64 = 0
        let start = monotonicSeconds()
        for _ in 0..<transactions {
            var enc = PostgresCopyEncoder()
            try c.copyIn(stmt) { send in
                for _ in 0..<rowsPerTransaction {
                    offset += 1
                    _ = enc.append(gen.record(offset: offset, nowMicros: clock.nowMicros))
                    if enc.buffer.count >= enc.chunkBytes { try send(enc.take()) }
                }
                if !enc.buffer.isEmpty { try send(enc.take()) }
            }
        }
        let secs = monotonicSeconds() - start
        try c.execute(.init("bench_truncate_staging", "TRUNCATE atlas.entity_values_ingest, atlas.bench_ingest_logged"))
        return (Double(transactions * rowsPerTransaction) / secs, secs * 1000 / Double(transactions))
    }
}
