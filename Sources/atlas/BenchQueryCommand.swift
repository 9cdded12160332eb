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
    @Option(help: "Timed runs of the hybrid query.") var runs: Int = 300
    @Option(help: "Timed runs of each EAV form.") var eavRuns: Int = 30
    @Option(help: "HASH partitions of entity_jsonb.") var jsonbModulus: Int = 100
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
            jsonbModulus: jsonbModulus, entityPartitionsUpFront: max(1, (entities + 999_999) / 1_000_000),
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
            _ = try store.findEntities(HotQuery(tenantID: tenant, predicates: forms.predicates, limit: 100))
        }
        let selfJoin = try timeRuns(eavRuns) { tenant in try forms.runEAV(store.connection, forms.selfJoin, tenant) }
        let pivot = try timeRuns(eavRuns) { tenant in try forms.runEAV(store.connection, forms.pivot, tenant) }
        // The spec's indexes alone (PK entity-first + GIN): drop the tenant-first btree in a
        // transaction that is rolled back afterwards.
        let specOnly = try forms.withoutTenantIndex(owner) {
            try timeRuns(max(eavRuns, 30)) { tenant in try forms.runEAV(owner, forms.hybridSQL, tenant, asOwner: true) }
        }
        // Same answers: the hybrid and EAV forms return the same entity ids.
        let a = try store.findEntities(HotQuery(tenantID: 3, predicates: forms.predicates, limit: 100)).map(\.entityID)
        let b = try forms.ids(store.connection, forms.selfJoin, 3)
        let c = try forms.ids(store.connection, forms.pivot, 3)
        print("answers agree (tenant 3, 100 rows): hybrid = self-join \(a == b), hybrid = pivot \(a == c)")

        func line(_ name: String, _ s: [Double]) -> String {
            String(format: "  %-44@ p50 %8.2f ms   p99 %8.2f ms   (%d runs)", name as NSString,
                   percentile(s, 0.5), percentile(s, 0.99), s.count)
        }
        print(line("hybrid (entity_jsonb, store.findEntities)", hybrid))
        print(line("pure EAV self-join (entity_values_ts)", selfJoin))
        print(line("pure EAV pivot (GROUP BY + FILTER)", pivot))
        print(line("hybrid, spec indexes only (no tenant btree)", specOnly))
        let best = min(percentile(selfJoin, 0.5), percentile(pivot, 0.5))
        let bestP99 = min(percentile(selfJoin, 0.99), percentile(pivot, 0.99))
        print(String(format: "  speedup vs best EAV form: p50 %.1fx, p99 %.1fx", best / percentile(hybrid, 0.5),
                     bestP99 / percentile(hybrid, 0.99)))
        print(String(format: "  tenant-first btree vs spec indexes only: p50 %.1fx", percentile(specOnly, 0.5) / percentile(hybrid, 0.5)))

        for (name, sql) in [("hybrid (as the store issues it)", forms.hybridSQL), ("EAV self-join", forms.selfJoin),
                            ("EAV pivot", forms.pivot)] {
            print("\nEXPLAIN ANALYZE — \(name), tenant 3:")
            print(try forms.explain(store.connection, sql, 3))
        }
        print("\nEXPLAIN ANALYZE — hybrid with the spec's indexes only, tenant 3:")
        print(try forms.withoutTenantIndex(owner) { try forms.explain(owner, forms.hybridSQL, 3, asOwner: true) })
        if keep { print("kept database \(bench.name)") }
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

    /// The hybrid SQL exactly as PostgresStore issues it, with literal parameters for EXPLAIN.
    var hybridSQL: String {
        """
        SELECT e.entity_id, e.entity_type, ej.hot_attrs::text, (extract(epoch FROM ej.updated_at) * 1000000)::bigint
        FROM atlas.entity_jsonb ej
        JOIN atlas.entities e ON e.entity_id = ej.entity_id AND e.tenant_id = ej.tenant_id
        WHERE ej.tenant_id = $1 AND e.tenant_id = $1 AND e.is_deleted = FALSE
          AND ej.hot_attrs @> '{"environment":"production"}'::jsonb
          AND (ej.hot_attrs ->> 'status') = ANY('{online,warning}'::text[])
          AND (ej.hot_attrs ->> 'priority')::float8 >= 8
        ORDER BY ej.updated_at DESC, ej.entity_id
        LIMIT 100
        """
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
    func runEAV(_ c: PostgresConnection, _ sql: String, _ tenant: Int64, asOwner: Bool = false) throws {
        _ = try scoped(c, tenant, asOwner: asOwner) { try c.execute(.init("bench_query", sql), [String(tenant)]) }
    }

    func ids(_ c: PostgresConnection, _ sql: String, _ tenant: Int64) throws -> [Int64] {
        try scoped(c, tenant) {
            let r = try c.execute(.init("bench_query", sql), [String(tenant)])
            return (0..<r.rowCount).map { r.int64($0, 0)! }
        }
    }

    func explain(_ c: PostgresConnection, _ sql: String, _ tenant: Int64, asOwner: Bool = false) throws -> String {
        try scoped(c, tenant, asOwner: asOwner) {
            let r = try c.execute(.init("bench_explain", "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql), [String(tenant)])
            let lines = (0..<r.rowCount).map { r.string($0, 0)! }
            guard lines.count > 60 else { return lines.joined(separator: "\n") }
            return (lines.prefix(45) + ["   ... (\(lines.count - 50) plan lines omitted: one per partition) ..."]
                    + lines.suffix(5)).joined(separator: "\n")
        }
    }

    private func scoped<T>(_ c: PostgresConnection, _ tenant: Int64, asOwner: Bool = false, _ body: () throws -> T) throws -> T {
        if asOwner {
            // The owner connection is already inside the index-dropping transaction.
            try c.execute(.init("bench_set_tenant", "SELECT set_config('app.tenant_id', $1, true)"), [String(tenant)])
            return try body()
        }
        return try c.transaction("bench_query") {
            try c.execute(.init("bench_set_tenant", "SELECT set_config('app.tenant_id', $1, true)"), [String(tenant)])
            return try body()
        }
    }

    /// Runs `body` on `owner` inside a transaction without the tenant-first btree (rolled back).
    func withoutTenantIndex<T>(_ owner: PostgresConnection, _ body: () throws -> T) throws -> T {
        try owner.execute(.init("bench_begin", "BEGIN"))
        defer { _ = try? owner.execute(.init("bench_rollback", "ROLLBACK")) }
        try owner.execute(.init("bench_drop_index", "DROP INDEX atlas.idx_entity_jsonb_tenant_updated"))
        try owner.execute(.init("bench_role", "SET LOCAL ROLE atlas_app"))
        return try body()
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
