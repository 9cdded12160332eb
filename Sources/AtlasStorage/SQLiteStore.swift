import AtlasCore
import CSQLite3

/// The embedded store: the spec's tables in SQLite (WAL), staging in a TEMP table
/// (lost with the connection, like UNLOGGED on a crash), `stage_flush` as one
/// transaction of set-based statements (`SQL/sqlite/statements.sql`).
public final class SQLiteStore: TelemetryStore, FlushFaultInjectable {
    public let name = "sqlite"
    public var injectedFlushFault: FlushFaultPoint?
    public let path: String
    public let queryLimits: QueryLimits

    private let db: SQLiteConnection
    private var sql: [String: String] = [:]
    private var prepared: [String: SQLiteStatement] = [:]
    private var catalog = try! Catalog()
    /// Owner of every registered or staged entity, loaded at open. The store is the
    /// database's single writer while open, so this map is authoritative.
    private var owners: [Int64: Int64] = [:]
    /// Entities staged but not registered yet (registered by the next flush); every
    /// other key of `owners` is registered.
    private var stagedNew: Set<Int64> = []
    private var staged = 0

    /// Opens or creates the store at `path` (":memory:" for a private in-memory database).
    /// SQLite's `synchronous` setting for the database file. `normal` (default) keeps the
    /// file consistent through an OS crash; `off` leaves fsync to the kernel and relies on
    /// the ingest log to rebuild after an OS crash (an application crash is safe either way).
    public enum Synchronous: String, Sendable, CaseIterable { case normal = "NORMAL", off = "OFF" }

    public init(path: String, synchronous: Synchronous = .normal, queryLimits: QueryLimits = QueryLimits()) throws {
        self.path = path
        self.queryLimits = queryLimits
        db = try SQLiteConnection(path: path)
        // WAL checkpoints every 50k pages instead of SQLite's 1k: pages that many flushes
        // re-dirty are copied back and fsync'd once per checkpoint (measured: commit time
        // roughly quartered). Durability of acknowledged readings comes from the ingest log.
        try db.exec("""
            PRAGMA busy_timeout = 5000; PRAGMA temp_store = MEMORY; PRAGMA cache_size = -262144;
            PRAGMA wal_autocheckpoint = 50000;
            """)
        try db.exec(try SQLResources.text("sqlite/schema.sql"), name: "sqlite/schema.sql")
        try db.exec("PRAGMA synchronous = \(synchronous.rawValue)", name: "synchronous")
        sql = try SQLResources.statements("sqlite/statements.sql")
        try loadCatalog()
        staged = try scalar("staged_count")
        let o = try stmt("load_owners")
        while try o.step() { owners[o.int64(0)] = o.int64(1) }
        o.reset()
    }

    private func stmt(_ name: String) throws -> SQLiteStatement {
        if let s = prepared[name] { return s }
        guard let text = sql[name] else {
            throw SQLiteError(code: SQLITE_MISUSE, message: "no statement named \(name)", statement: name)
        }
        let s = try db.prepare(text, name: name)
        prepared[name] = s
        return s
    }

    private func scalar(_ name: String, _ binds: (SQLiteStatement) -> Void = { _ in }) throws -> Int {
        let s = try stmt(name)
        defer { s.reset() }
        binds(s)
        return try s.step() ? Int(s.int64(0)) : 0
    }

    private func loadCatalog() throws {
        var c = try Catalog()
        let ts = try db.prepare("SELECT tenant_id, tenant_name, is_active FROM tenants ORDER BY tenant_id", name: "load_tenants")
        while try ts.step() { try c.add(Tenant(id: ts.int64(0), name: ts.string(1) ?? "", isActive: ts.int64(2) != 0)) }
        let at = try db.prepare("SELECT attribute_id, attribute_name, data_type, is_hot FROM attributes ORDER BY attribute_id", name: "load_attributes")
        while try at.step() {
            guard let t = DataType(rawValue: at.string(2) ?? "") else { continue }
            try c.add(Attribute(id: at.int64(0), name: at.string(1) ?? "", dataType: t, isHot: at.int64(3) != 0))
        }
        catalog = c
    }

    public func install(catalog newCatalog: Catalog) throws {
        try transaction {
            let t = try stmt("upsert_tenant")
            for x in newCatalog.sortedTenants {
                t.bind(1, x.id); t.bind(2, x.name); t.bind(3, Int64(x.isActive ? 1 : 0))
                try t.run()
            }
            let a = try stmt("upsert_attribute")
            for x in newCatalog.sortedAttributes {
                a.bind(1, x.id); a.bind(2, x.name); a.bind(3, x.dataType.rawValue); a.bind(4, Int64(x.isHot ? 1 : 0))
                try a.run()
            }
        }
        try loadCatalog()
    }

    private func transaction<T>(_ body: () throws -> T) throws -> T {
        try db.exec("BEGIN IMMEDIATE", name: "begin")
        do {
            let r = try body()
            try db.exec("COMMIT", name: "commit")
            return r
        } catch {
            try? db.exec("ROLLBACK", name: "rollback")
            throw error
        }
    }

    // MARK: write path

    public func stage(_ records: [LogRecord]) throws {
        var newIDs: [Int64] = []
        try transaction {
            let s = try stmt("stage")
            for r in records {
                guard let a = catalog.attributes[r.attributeID] else {
                    throw SQLiteError(code: SQLITE_CONSTRAINT, message: "attribute \(r.attributeID) not installed", statement: "stage")
                }
                s.bind(1, r.offset); s.bind(2, r.tenantID); s.bind(3, r.entityID); s.bind(4, r.entityType)
                s.bind(5, r.attributeID); s.bind(6, a.name)
                switch r.value {
                case .text(let v): s.bind(7, v)
                case .int(let v): s.bind(8, v)
                case .decimal(let v): s.bind(9, v)
                case .bool(let v): s.bind(10, Int64(v ? 1 : 0))
                case .timestamp(let m): s.bind(11, m)
                }
                s.bind(12, r.ingestedAtMicros)
                if a.isHot { s.bind(13, r.value.jsonLiteral) }
                let isNew = owners[r.entityID] == nil || stagedNew.contains(r.entityID)
                s.bind(14, Int64(isNew ? 1 : 0))
                try s.run()
                if isNew { newIDs.append(r.entityID) }
            }
        }
        // Only after the commit: a failed stage leaves no trace here either.
        stagedNew.formUnion(newIDs)
        staged += records.count
        for r in records where owners[r.entityID] == nil { owners[r.entityID] = r.tenantID }
    }

    public func stagedCount() throws -> Int { staged }

    public func clearStaging() throws {
        try stmt("clear_staging").run()
        staged = 0
        for e in stagedNew { owners[e] = nil }
        stagedNew.removeAll()
    }

    public func flushedOffset() throws -> Int64 { Int64(try scalar("flushed_offset")) }

    public func entityOwner(_ entityID: Int64) throws -> Int64? {
        owners[entityID]
    }

    public func flush() throws -> FlushResult {
        var r = FlushResult()
        r = try transaction {
            var r = FlushResult()
            r.rowsTaken = staged
            let f = Int64(try scalar("flushed_offset"))
            let reg = try stmt("flush_register_entities"); reg.bind(1, f); try reg.run()
            r.entitiesRegistered = db.changes
            let ts = try stmt("flush_time_series"); ts.bind(1, f); try ts.run()
            r.rowsInserted = db.changes
            try checkFault(.afterTimeSeriesInsert)
            let w = try stmt("flush_winners"); w.bind(1, f); try w.run()
            let c = try stmt("flush_winner_counts")
            if try c.step() {
                r.hotCellsWritten = Int(c.int64(1))
                r.hotCellsSkippedAsOlder = Int(c.int64(0) - c.int64(1))
            }
            c.reset()
            try stmt("flush_insert_projection").run()
            try stmt("flush_merge_projection").run()
            try stmt("flush_clear_winners").run()
            try checkFault(.beforeOffsetRecord)
            try stmt("flush_record_offset").run()
            try stmt("clear_staging").run()
            r.flushedThroughOffset = Int64(try scalar("flushed_offset"))
            return r
        }
        staged = 0
        stagedNew.removeAll(keepingCapacity: true)
        return r
    }

    private func checkFault(_ point: FlushFaultPoint) throws {
        if injectedFlushFault == point {
            injectedFlushFault = nil
            throw InjectedFault(point: point)
        }
    }

    // MARK: queries

    private func snapshot(_ s: SQLiteStatement) throws -> HotQueryRow {
        var attrs: [String: Value] = [:]
        for (k, v) in try FlatJSONObject.parse(s.string(2) ?? "{}") {
            guard let a = catalog.attributesByName[k] else { continue }
            attrs[k] = try HotValueCodec.value(v, as: a)
        }
        return HotQueryRow(entityID: s.int64(0), entityType: s.string(1) ?? "", hotAttributes: attrs, updatedAtMicros: s.int64(3))
    }

    public func findEntities(_ query: HotQuery) throws -> [HotQueryRow] {
        guard (1...10_000).contains(query.limit) else { throw QueryError.invalidLimit(query.limit) }
        var text = """
            SELECT ej.entity_id, en.entity_type, ej.hot_attrs, ej.updated_at
            FROM entity_jsonb ej JOIN entities en ON en.entity_id = ej.entity_id AND en.tenant_id = ej.tenant_id
            WHERE ej.tenant_id = ?1 AND en.is_deleted = 0 AND ej.hot_attrs <> '{}'
            """
        var binds: [(Int32, SQLiteStatement) -> Void] = []
        var n: Int32 = 3
        func param(_ v: Value) -> String {
            let i = n; n += 1
            switch v {
            case .int(let x): binds.append { $1.bind(i, x) }
            case .decimal(let x): binds.append { $1.bind(i, x) }
            case .bool(let x): binds.append { $1.bind(i, Int64(x ? 1 : 0)) }
            case .timestamp(let m): binds.append { $1.bind(i, TimestampFormat.iso8601(micros: m)) }
            case .text(let x): binds.append { $1.bind(i, x) }
            }
            return "?\(i)"
        }
        for p in query.predicates {
            let a = try HotPredicateCheck.attribute(for: p, in: catalog)
            let path = "$.\"\(a.name)\""
            let i = n; n += 1
            binds.append { $1.bind(i, path) }
            let col = "json_extract(ej.hot_attrs, ?\(i))"
            switch p {
            case .equals(_, let v): text += " AND \(col) = \(param(v))"
            case .oneOf(_, let vs): text += " AND \(col) IN (\(vs.map(param).joined(separator: ", ")))"
            case .atLeast(_, let bound): text += " AND \(col) >= \(param(.decimal(bound)))"
            }
        }
        text += " ORDER BY ej.updated_at DESC, ej.entity_id ASC LIMIT ?2"
        let s = try db.prepare(text, name: "find_entities")
        s.bind(1, query.tenantID)
        s.bind(2, Int64(query.limit))
        for b in binds { b(0, s) }
        var out: [HotQueryRow] = []
        while try s.step() { out.append(try snapshot(s)) }
        return out
    }

    public func hotAttributes(tenantID: Int64, entityID: Int64) throws -> EntitySnapshot? {
        let s = try stmt("hot_attributes")
        defer { s.reset() }
        s.bind(1, tenantID); s.bind(2, entityID)
        return try s.step() ? snapshot(s) : nil
    }

    public func history(_ query: HistoryQuery) throws -> [HistoryPoint] {
        let range = try queryLimits.check(query.range, query: "history")
        guard let a = catalog.attributes[query.attributeID] else { return [] }
        let s = try stmt("history")
        defer { s.reset() }
        s.bind(1, query.tenantID); s.bind(2, query.entityID); s.bind(3, query.attributeID)
        s.bind(4, range.fromMicros); s.bind(5, range.toMicros)
        var out: [HistoryPoint] = []
        while try s.step() {
            let v: Value
            switch a.dataType {
            case .text: v = .text(s.string(1) ?? "")
            case .int: v = .int(s.int64(2))
            case .decimal: v = .decimal(s.double(3))
            case .bool: v = .bool(s.int64(4) != 0)
            case .timestamp: v = .timestamp(micros: s.int64(5))
            }
            out.append(HistoryPoint(ingestedAtMicros: s.int64(0), value: v))
        }
        return out
    }

    public func attributeDistribution(_ query: DistributionQuery) throws -> [DistributionRow] {
        let window = try queryLimits.check(query.window, query: "distribution")
        guard let cat = catalog.attributes[query.categoryAttributeID] else {
            throw QueryError.unknownAttribute(query: "distribution", attribute: String(query.categoryAttributeID))
        }
        guard cat.dataType == .text else { throw QueryError.categoryNotText(attributeID: cat.id) }
        let s = try stmt("distribution_samples")
        defer { s.reset() }
        s.bind(1, query.tenantID); s.bind(2, cat.id); s.bind(3, window.fromMicros); s.bind(4, window.toMicros)
        var agg = DistributionAggregator()
        while try s.step() {
            agg.add(category: s.string(0) ?? "", attributeName: s.string(1) ?? "", entityID: s.int64(2), value: s.double(3))
        }
        return agg.rows(minSamplesExclusive: query.minSamplesExclusive)
    }

    public func counts(tenantID: Int64) throws -> StoreCounts {
        StoreCounts(entities: try scalar("count_entities") { $0.bind(1, tenantID) },
                    timeSeriesRows: try scalar("count_time_series") { $0.bind(1, tenantID) },
                    hotEntities: try scalar("count_hot_entities") { $0.bind(1, tenantID) })
    }
}
