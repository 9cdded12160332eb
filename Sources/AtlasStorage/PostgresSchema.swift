import Foundation

/// The PostgreSQL schema as versioned migrations (resource files
/// `SQL/postgres/NNN_name.sql`), applied idempotently: each version runs once, in a
/// transaction, and is recorded in `atlas.schema_migrations` with its checksum.
public enum PostgresSchema {
    /// Settings the DDL reads when it first runs (later changes need a new migration).
    public struct Settings: Sendable, Equatable {
        /// Ids per `entities` RANGE partition.
        public var entityPartitionWidth: Int64
        /// HASH partitions of `entity_jsonb`.
        public var jsonbModulus: Int
        /// Monthly `entity_values_ts` partitions kept ahead of now.
        public var monthsAhead: Int
        /// `entities` partitions created up front (ids 0 ..< count*width); others are made as ids appear.
        public var entityPartitionsUpFront: Int
        /// When set, the login password of `atlas_app` (the role PostgresStore connects as).
        public var appPassword: String?

        public init(entityPartitionWidth: Int64 = 1_000_000, jsonbModulus: Int = 100, monthsAhead: Int = 3,
                    entityPartitionsUpFront: Int = 0, appPassword: String? = nil) {
            self.entityPartitionWidth = entityPartitionWidth
            self.jsonbModulus = jsonbModulus
            self.monthsAhead = monthsAhead
            self.entityPartitionsUpFront = entityPartitionsUpFront
            self.appPassword = appPassword
        }
    }

    /// One versioned migration file.
    public struct Migration: Sendable, Equatable {
        public var version: Int
        public var name: String
        public var sql: String
        /// FNV-1a 64 of the file text: an applied migration must not change.
        public var checksum: String
    }

    /// The role PostgresStore connects as (created by migration 001).
    public static let appRole = "atlas_app"

    /// Hot attributes `entity_jsonb` also holds as generated columns (migration 8), by
    /// attribute name: text ones (`hot_attrs ->> name`) and numeric ones
    /// (`atlas.hot_number(hot_attrs, name)`). Query 1 filters on these columns because under
    /// RLS only leakproof conditions (`=`, `>=` on a column; not `->>`) are checked inside
    /// the index.
    public static let hotTextColumns = ["environment": "hot_environment", "status": "hot_status"]
    public static let hotNumberColumns = ["priority": "hot_priority"]

    /// The SQL resource directory `SQL/postgres`.
    static func directory() throws -> URL {
        guard let base = Bundle.module.url(forResource: "SQL", withExtension: nil) else {
            throw SchemaError.missingResources("SQL resource directory not found in the AtlasStorage bundle")
        }
        return base.appendingPathComponent("postgres")
    }

    /// The bootstrap script (creates `atlas.schema_migrations`), run before every apply.
    public static func bootstrapSQL() throws -> String {
        try String(contentsOf: directory().appendingPathComponent("000_migrations.sql"), encoding: .utf8)
    }

    /// Versioned migrations in order (version ≥ 1).
    public static func migrations() throws -> [Migration] {
        let dir = try directory()
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".sql") }
        var out: [Migration] = []
        for f in files {
            guard let v = Int(f.prefix { $0.isNumber }), v >= 1 else { continue }
            let sql = try String(contentsOf: dir.appendingPathComponent(f), encoding: .utf8)
            out.append(Migration(version: v, name: String(f.dropLast(4)), sql: sql, checksum: fnv1a(sql)))
        }
        out.sort { $0.version < $1.version }
        for (a, b) in zip(out, out.dropFirst()) where a.version == b.version {
            throw SchemaError.duplicateVersion(a.version, a.name, b.name)
        }
        return out
    }

    /// Every migration's SQL, in order, for `atlas schema print`.
    public static func printable() throws -> String {
        var s = "-- atlas schema: bootstrap\n" + (try bootstrapSQL())
        for m in try migrations() {
            s += "\n-- ===== migration \(m.version): \(m.name) (checksum \(m.checksum)) =====\n" + m.sql
        }
        return s
    }

    /// Applies pending migrations as the connecting role (a superuser: migration 001
    /// creates roles) and keeps partitions ahead. Returns the versions applied now
    /// (empty when the schema was current: applying twice is a no-op).
    @discardableResult
    public static func apply(url: String, settings: Settings = Settings()) throws -> [Int] {
        let conn = try PostgresConnection(url: url, options: .init(statementTimeoutMs: nil, applicationName: "atlas-schema"))
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try applyOnce(conn, settings)
            } catch let e as PostgresError where attempt < 5 && (e.message.contains("concurrently") || e.code.classCode == "40") {
                // Roles are cluster-wide: a parallel apply in another database can race on
                // pg_authid ("tuple concurrently updated"). The transaction rolled back; retry.
                Thread.sleep(forTimeInterval: 0.05 * Double(attempt))
            }
        }
    }

    private static func applyOnce(_ conn: PostgresConnection, _ settings: Settings) throws -> [Int] {
        let all = try migrations()
        let boot = try bootstrapSQL()
        return try conn.transaction("schema_apply") {
            try conn.execute(.init("schema_lock", "SELECT pg_advisory_xact_lock(hashtext('atlas.schema_apply'))"))
            try conn.executeScript(name: "000_migrations", sql: boot)
            let r = try conn.execute(.init("schema_applied", "SELECT version, checksum FROM atlas.schema_migrations"))
            var applied: [Int: String] = [:]
            for i in 0..<r.rowCount { applied[Int(r.int64(i, 0)!)] = r.string(i, 1)! }
            try conn.execute(.init("schema_settings", """
                SELECT set_config('atlas.entity_partition_width', $1, true),
                       set_config('atlas.jsonb_modulus', $2, true),
                       set_config('atlas.months_ahead', $3, true)
                """), [String(settings.entityPartitionWidth), String(settings.jsonbModulus), String(settings.monthsAhead)])
            var now: [Int] = []
            for m in all {
                if let sum = applied[m.version] {
                    guard sum == m.checksum else { throw SchemaError.checksumMismatch(m.version, m.name) }
                    continue
                }
                try conn.executeScript(name: m.name, sql: m.sql)
                // Scripts may SET LOCAL ROLE; record as the applying role.
                try conn.execute(.init("schema_reset_role", "RESET ROLE"))
                try conn.execute(.init("schema_record", """
                    INSERT INTO atlas.schema_migrations (version, name, checksum) VALUES ($1, $2, $3)
                    """), [String(m.version), m.name, m.checksum])
                now.append(m.version)
            }
            try conn.execute(.init("maintain_partitions", "SELECT atlas.maintain_partitions($1)"),
                             [String(settings.entityPartitionsUpFront)])
            if let pw = settings.appPassword {
                try conn.execute(.init("app_password_set", "SELECT set_config('atlas.app_password', $1, true)"), [pw])
                try conn.execute(.init("app_password", """
                    DO $$ BEGIN
                        EXECUTE format('ALTER ROLE atlas_app PASSWORD %L', current_setting('atlas.app_password'));
                    END $$
                    """))
                try conn.execute(.init("app_password_clear", "SELECT set_config('atlas.app_password', '', true)"))
            }
            return now
        }
    }

    /// Refreshes `mv_entity_attribute_stats` and the planner statistics of the tables
    /// Query 1 and Query 2 read (`atlas schema refresh-stats`).
    public static func refreshStats(url: String) throws {
        let conn = try PostgresConnection(url: url, options: .init(statementTimeoutMs: nil, applicationName: "atlas-schema"))
        let populated = try conn.execute(.init("mv_populated", """
            SELECT ispopulated FROM pg_matviews WHERE schemaname = 'atlas' AND matviewname = 'mv_entity_attribute_stats'
            """))
        if populated.bool(0, 0) == true {
            try conn.execute(.init("mv_refresh", "REFRESH MATERIALIZED VIEW CONCURRENTLY atlas.mv_entity_attribute_stats"))
        } else {
            try conn.execute(.init("mv_refresh", "REFRESH MATERIALIZED VIEW atlas.mv_entity_attribute_stats"))
        }
        try conn.execute(.init("analyze", "ANALYZE atlas.entities, atlas.entity_jsonb, atlas.entity_values_ts, atlas.attributes"))
    }

    /// FNV-1a 64-bit, hex.
    public static func fnv1a(_ s: String) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in s.utf8 {
            h ^= UInt64(b)
            h = h &* 0x100_0000_01b3
        }
        let hex = String(h, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}

/// A schema that cannot be applied as found.
public enum SchemaError: Error, Equatable, CustomStringConvertible {
    case missingResources(String)
    case duplicateVersion(Int, String, String)
    case checksumMismatch(Int, String)

    public var description: String {
        switch self {
        case .missingResources(let m): return "schema: \(m)"
        case .duplicateVersion(let v, let a, let b): return "schema: migration version \(v) used twice (\(a), \(b))"
        case .checksumMismatch(let v, let n):
            return "schema: migration \(v) (\(n)) changed after it was applied; add a new migration instead"
        }
    }
}
