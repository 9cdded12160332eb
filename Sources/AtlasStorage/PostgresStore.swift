import AtlasCore
import Foundation

/// The PostgreSQL store: the spec's schema (see `PostgresSchema`) through libpq.
///
/// It connects as `atlas_app`, a role without BYPASSRLS: every read runs in a
/// transaction that first sets `app.tenant_id` locally, and Row-Level Security scopes
/// it. Staging is a COPY into the UNLOGGED `entity_values_ingest`; `flush()` calls the
/// server-side `atlas.stage_flush()` (a SECURITY DEFINER function owned by the
/// BYPASSRLS role `atlas_flusher`: the flush is cross-tenant by nature).
///
/// A dropped connection is re-established and the interrupted statement retried (the
/// flush is idempotent by log offset; a COPY staged twice is taken once). When the
/// server restarted, UNLOGGED staging is empty: `stage` and `flush` then throw
/// `PostgresStoreError.stagingLost` until `clearStaging()` (which `Ingestor.recover()`
/// calls before replaying the log), so a gap can never be flushed past silently.
public final class PostgresStore: TelemetryStore, FlushFaultInjectable {
    public struct Config: Sendable {
        /// Connection string of the app role (`atlas_app`).
        public var url: String
        /// `statement_timeout` of every statement (nil: server default).
        public var statementTimeoutMs: Int?
        /// How long to keep re-connecting after a connection loss before failing.
        public var reconnectTimeoutMs: Int
        public var queryLimits: QueryLimits

        public init(url: String, statementTimeoutMs: Int? = 30_000, reconnectTimeoutMs: Int = 10_000,
                    queryLimits: QueryLimits = QueryLimits()) {
            self.url = url
            self.statementTimeoutMs = statementTimeoutMs
            self.reconnectTimeoutMs = reconnectTimeoutMs
            self.queryLimits = queryLimits
        }
    }

    public let name = "postgres"
    public var injectedFlushFault: FlushFaultPoint?
    public let config: Config
    /// The underlying connection (benchmarks and tests issue their own statements on it).
    public let connection: PostgresConnection

    private var attributesByID: [Int64: Attribute] = [:]
    private var attributesByName: [String: Attribute] = [:]
    /// The attributes as a catalog (tenants are not needed by any query check).
    private var catalog = try! Catalog()
    /// Owners of registered entities (immutable once registered) and of staged ones.
    private var registeredOwners: [Int64: Int64] = [:]
    private var stagedOwners: [Int64: Int64] = [:]
    /// Owners the server reported for entities this store did not stage, registered or
    /// staged by another writer: good for validation, never for `entity_known`.
    private var observedOwners: [Int64: Int64] = [:]
    private var stagingLost = false
    private var serverStartSeen: String?

    public init(config: Config) throws {
        self.config = config
        self.connection = try PostgresConnection(
            url: config.url,
            options: .init(statementTimeoutMs: config.statementTimeoutMs, applicationName: "atlas-store"))
        serverStartSeen = connection.serverStartTime
    }

    /// Convenience: the app-role URL for a server given its owner URL.
    public static func appURL(ownerURL: String, password: String) throws -> String {
        try PostgresURL.with(ownerURL, ["user": PostgresSchema.appRole, "password": password])
    }

    // MARK: statements

    enum SQL {
        static let setTenant = PostgresConnection.Statement(
            "set_tenant", "SELECT set_config('app.tenant_id', $1, true)")
        // Query 1 gets the planner's own plan; only JIT is off: compiling its expressions cost
        // far more than running them whenever a plan's cost passed jit_above_cost (~550 ms).
        static let setTenantForQuery1 = PostgresConnection.Statement("set_tenant_query1", """
            SELECT set_config('app.tenant_id', $1, true), set_config('jit', 'off', true)
            """)
        static let stageFlush = PostgresConnection.Statement(
            "stage_flush", "SELECT * FROM atlas.stage_flush($1)")
        static let stagedCount = PostgresConnection.Statement("staged_count", "SELECT atlas.staged_count()")
        static let clearStaging = PostgresConnection.Statement("clear_staging", "SELECT atlas.clear_staging()")
        static let flushedOffset = PostgresConnection.Statement(
            "flushed_offset", "SELECT flushed_offset FROM atlas.flush_state WHERE id = 1")
        static let entityOwnersAny = PostgresConnection.Statement(
            "entity_owners_any", "SELECT entity_id, tenant_id, registered FROM atlas.entity_owners_any($1)")
        static let entityOwners = PostgresConnection.Statement(
            "entity_owners", "SELECT entity_id, tenant_id FROM atlas.entity_owners($1)")
        static let installCatalog = PostgresConnection.Statement(
            "install_catalog", "SELECT atlas.install_catalog($1, $2, $3, $4, $5, $6, $7)")
        static let attributes = PostgresConnection.Statement(
            "attributes", "SELECT attribute_id, attribute_name, data_type, is_hot FROM atlas.attributes")
        static let hotAttributes = PostgresConnection.Statement("hot_attributes", """
            SELECT e.entity_type, ej.hot_attrs::text, (extract(epoch FROM ej.updated_at) * 1000000)::bigint
            FROM atlas.entity_jsonb ej
            JOIN atlas.entities e ON e.entity_id = ej.entity_id AND e.tenant_id = ej.tenant_id
            WHERE ej.tenant_id = $1 AND ej.entity_id = $2
            """)
        static let history = PostgresConnection.Statement("history", """
            SELECT (extract(epoch FROM ingested_at) * 1000000)::bigint, value, value_int, value_decimal::text,
                   value_bool, (extract(epoch FROM value_timestamp) * 1000000)::bigint
            FROM atlas.entity_values_ts
            WHERE tenant_id = $1 AND entity_id = $2 AND attribute_id = $3
              AND ingested_at >= $4::timestamptz AND ingested_at < $5::timestamptz
            ORDER BY ingested_at, log_offset
            """)
        static let counts = PostgresConnection.Statement("counts", """
            SELECT (SELECT count(*) FROM atlas.entities WHERE tenant_id = $1),
                   (SELECT count(*) FROM atlas.entity_values_ts WHERE tenant_id = $1),
                   (SELECT count(*) FROM atlas.entity_jsonb WHERE tenant_id = $1)
            """)
        /// Spec Query 2, with the category CTE made distinct per (entity, category).
        static let distribution = PostgresConnection.Statement("attribute_distribution", """
            WITH category_entities AS (
                SELECT DISTINCT ev.entity_id, ev.value AS category
                FROM atlas.entity_values_ts ev
                WHERE ev.tenant_id = $1 AND ev.attribute_id = $2 AND ev.value IS NOT NULL
                  AND ev.ingested_at >= $3::timestamptz AND ev.ingested_at < $4::timestamptz
            ), samples AS (
                SELECT ce.category, a.attribute_name::text AS attribute_name, ev.entity_id,
                       ev.value_decimal::float8 AS x
                FROM category_entities ce
                JOIN atlas.entity_values_ts ev ON ev.tenant_id = $1 AND ev.entity_id = ce.entity_id
                JOIN atlas.attributes a ON a.attribute_id = ev.attribute_id
                WHERE a.data_type = 'decimal' AND ev.value_decimal IS NOT NULL
                  AND ev.ingested_at >= $3::timestamptz AND ev.ingested_at < $4::timestamptz
            )
            SELECT category, attribute_name, count(DISTINCT entity_id),
                   sum(x ORDER BY x) / count(*), min(x), max(x),
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY x),
                   percentile_cont(0.95) WITHIN GROUP (ORDER BY x),
                   count(*)
            FROM samples
            GROUP BY category, attribute_name
            HAVING count(*) > $5
            ORDER BY category COLLATE "C", count(*) DESC, attribute_name COLLATE "C"
            """)
    }

    // MARK: connection loss

    /// Runs `body`; on a connection loss re-connects and runs it once more. When the
    /// server restarted and `staging` is true, staging is marked lost instead.
    @discardableResult
    private func withReconnect<T>(staging: Bool = false, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let e as PostgresError where e.isConnectionLoss {
            try connection.reconnect(timeoutMs: config.reconnectTimeoutMs)
            if connection.serverStartTime != serverStartSeen {
                // UNLOGGED staging was truncated by crash recovery.
                stagingLost = true
                serverStartSeen = connection.serverStartTime
            }
            if staging && stagingLost { throw PostgresStoreError.stagingLost }
            return try body()
        }
    }

    private func inTenant<T>(_ tenantID: Int64, _ name: String, _ body: () throws -> T) throws -> T {
        try withReconnect {
            try connection.transaction(name) {
                try connection.run(SQL.setTenant, [String(tenantID)])
                return try body()
            }
        }
    }

    // MARK: catalog

    public func install(catalog: Catalog) throws {
        try loadAttributes()
        // Same merge rule as every store: existing ids are kept; a new id with a taken name fails.
        var merged = try Catalog(attributes: Array(attributesByID.values))
        for a in catalog.sortedAttributes where merged.attributes[a.id] == nil { try merged.add(a) }
        let ts = catalog.sortedTenants
        let attrs = catalog.sortedAttributes
        try withReconnect {
            try connection.run(SQL.installCatalog, [
                PostgresArray.literal(ts.map { String($0.id) }, quoted: false),
                PostgresArray.literal(ts.map(\.name)),
                PostgresArray.literal(ts.map { $0.isActive ? "t" : "f" }, quoted: false),
                PostgresArray.literal(attrs.map { String($0.id) }, quoted: false),
                PostgresArray.literal(attrs.map(\.name)),
                PostgresArray.literal(attrs.map(\.dataType.rawValue)),
                PostgresArray.literal(attrs.map { $0.isHot ? "t" : "f" }, quoted: false),
            ])
        }
        try loadAttributes()
    }

    private func loadAttributes() throws {
        let r = try withReconnect { try connection.run(SQL.attributes) }
        var byID: [Int64: Attribute] = [:]
        for i in 0..<r.rowCount {
            guard let id = r.int64(i, 0), let name = r.string(i, 1), let t = r.string(i, 2),
                  let type = DataType(rawValue: t) else { continue }
            byID[id] = Attribute(id: id, name: name, dataType: type, isHot: r.bool(i, 3) ?? false)
        }
        attributesByID = byID
        attributesByName = Dictionary(byID.values.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        catalog = try Catalog(attributes: byID.values.sorted { $0.id < $1.id })
    }

    private func attribute(named name: String) throws -> Attribute? {
        if let a = attributesByName[name] { return a }
        try loadAttributes()
        return attributesByName[name]
    }

    private func attribute(id: Int64) throws -> Attribute? {
        if let a = attributesByID[id] { return a }
        try loadAttributes()
        return attributesByID[id]
    }

    // MARK: write path

    public func stage(_ records: [LogRecord]) throws {
        guard !records.isEmpty else { return }
        if stagingLost { throw PostgresStoreError.stagingLost }
        try withReconnect(staging: true) {
            var enc = PostgresCopyEncoder()
            try connection.copyIn(PostgresCopyEncoder.stagingCopy) { send in
                for r in records where enc.append(r, entityKnown: registeredOwners[r.entityID] != nil) {
                    try send(enc.take())
                }
                if !enc.buffer.isEmpty { try send(enc.take()) }
            }
        }
        for r in records where registeredOwners[r.entityID] == nil && stagedOwners[r.entityID] == nil {
            stagedOwners[r.entityID] = r.tenantID
        }
    }

    public func stagedCount() throws -> Int {
        let r = try withReconnect { try connection.run(SQL.stagedCount) }
        return Int(r.int64(0, 0) ?? 0)
    }

    public func clearStaging() throws {
        try withReconnect { _ = try connection.run(SQL.clearStaging) }
        stagingLost = false
        serverStartSeen = connection.serverStartTime
        stagedOwners.removeAll()
        observedOwners.removeAll()
    }

    public func flush() throws -> FlushResult {
        if stagingLost { throw PostgresStoreError.stagingLost }
        let fault = injectedFlushFault
        injectedFlushFault = nil
        let faultName: String? = fault.map {
            switch $0 {
            case .afterTimeSeriesInsert: return "afterTimeSeriesInsert"
            case .beforeOffsetRecord: return "beforeOffsetRecord"
            }
        }
        let r: PostgresResult
        do {
            r = try withReconnect(staging: true) { try connection.run(SQL.stageFlush, [faultName]) }
        } catch let e as PostgresError where e.code == .injectedFault {
            throw InjectedFault(point: fault!)
        }
        var out = FlushResult()
        out.rowsTaken = Int(r.int64(0, 0) ?? 0)
        out.rowsInserted = Int(r.int64(0, 1) ?? 0)
        out.hotCellsWritten = Int(r.int64(0, 2) ?? 0)
        out.hotCellsSkippedAsOlder = Int(r.int64(0, 3) ?? 0)
        out.entitiesRegistered = Int(r.int64(0, 4) ?? 0)
        out.flushedThroughOffset = r.int64(0, 5) ?? 0
        // Everything staged before this flush is registered now.
        if registeredOwners.count + observedOwners.count > 4_000_000 {
            registeredOwners.removeAll()
            observedOwners.removeAll()
        }
        registeredOwners.merge(stagedOwners) { a, _ in a }
        stagedOwners.removeAll(keepingCapacity: true)
        return out
    }

    public func flushedOffset() throws -> Int64 {
        let r = try withReconnect { try connection.run(SQL.flushedOffset) }
        return r.int64(0, 0) ?? 0
    }

    public func entityOwner(_ entityID: Int64) throws -> Int64? { try entityOwners([entityID])[0] }

    /// Owners from the caches; the ids none of them knows go to the server in one call
    /// per 10,000 (registered owners first, else the earliest staged row's tenant).
    public func entityOwners(_ entityIDs: [Int64]) throws -> [Int64?] {
        func cached(_ id: Int64) -> Int64? { registeredOwners[id] ?? stagedOwners[id] ?? observedOwners[id] }
        let unknown = Array(Set(entityIDs.filter { cached($0) == nil })).sorted()
        var i = 0
        while i < unknown.count {
            let chunk = unknown[i..<min(i + 10_000, unknown.count)]
            let r = try withReconnect {
                try connection.run(SQL.entityOwnersAny, [PostgresArray.literal(chunk.map(String.init), quoted: false)])
            }
            for row in 0..<r.rowCount {
                let id = r.int64(row, 0)!, tenant = r.int64(row, 1)!
                if r.bool(row, 2) == true { registeredOwners[id] = tenant } else { observedOwners[id] = tenant }
            }
            i += 10_000
        }
        return entityIDs.map(cached)
    }

    /// Loads the owners of registered `entityIDs` into the owner cache in bulk (one
    /// statement per 10,000 ids), so validation of readings for known entities needs
    /// no round trip.
    public func preloadOwners(_ entityIDs: [Int64]) throws {
        var i = 0
        while i < entityIDs.count {
            let chunk = entityIDs[i..<min(i + 10_000, entityIDs.count)]
            let r = try withReconnect {
                try connection.run(SQL.entityOwners, [PostgresArray.literal(chunk.map(String.init), quoted: false)])
            }
            for row in 0..<r.rowCount { registeredOwners[r.int64(row, 0)!] = r.int64(row, 1)! }
            i += 10_000
        }
    }

    // MARK: queries

    public func findEntities(_ query: HotQuery) throws -> [HotQueryRow] {
        let (statement, params) = try findEntitiesStatement(query)
        let r = try withReconnect {
            try connection.pipelinedTransaction("find_entities", [
                (SQL.setTenantForQuery1, [String(query.tenantID)]), (statement, params)])[1]
        }
        return try (0..<r.rowCount).map { i in
            try HotQueryRow(entityID: r.int64(i, 0)!, entityType: r.string(i, 1)!,
                            hotAttributes: decodeHot(r.string(i, 2)!), updatedAtMicros: r.int64(i, 3)!)
        }
    }

    /// The statement `findEntities` runs for `query` and its parameters. Its name is derived
    /// from its text (one prepared statement per predicate shape and session; values are
    /// parameters), so benchmarks can EXPLAIN exactly what the store runs.
    public func findEntitiesStatement(_ query: HotQuery) throws -> (statement: PostgresConnection.Statement, parameters: [String?]) {
        guard (1...10_000).contains(query.limit) else { throw QueryError.invalidLimit(query.limit) }
        var preds: [(Attribute, HotPredicate)] = []
        for p in query.predicates {
            _ = try attribute(named: p.attributeName) // refreshes the cached catalog if the name is new
            preds.append((try HotPredicateCheck.attribute(for: p, in: catalog), p))
        }
        let (sql, params) = PostgresStore.query1SQL(tenantID: query.tenantID, predicates: preds, limit: query.limit)
        return (.init("find_entities_" + PostgresSchema.fnv1a(sql), sql), params)
    }

    /// `EXPLAIN (ANALYZE, BUFFERS)` of `findEntities(query)`: its prepared statement, run
    /// through the session's plan cache (so the plan is the one `findEntities` gets, custom
    /// or generic) in the same transaction settings. One line per plan line.
    public func explainFindEntities(_ query: HotQuery) throws -> [String] {
        let (statement, params) = try findEntitiesStatement(query)
        return try withReconnect {
            try connection.transaction("explain_find_entities") {
                try connection.run(SQL.setTenantForQuery1, [String(query.tenantID)])
                try connection.prepare(statement, parameterCount: params.count)
                // EXECUTE's arguments cannot be bound parameters (the utility statement has
                // none); they are the statement's own values, quoted as libpq would.
                let args = params.map(PostgresConnection.literal).joined(separator: ", ")
                let r = try connection.execute(.init("explain_find_entities", """
                    EXPLAIN (ANALYZE, BUFFERS) EXECUTE \(PostgresConnection.identifier(statement.name))(\(args))
                    """))
                return (0..<r.rowCount).map { r.string($0, 0) ?? "" }
            }
        }
    }

    /// Spec Query 1 over the hybrid projection. Values are parameters. Attribute names are
    /// quoted literals from the catalog (one statement per predicate shape anyway): statistics
    /// on `hot_attrs ->> 'key'` only match a constant key. The attributes with a generated
    /// column (migration 8) are compared on it, which the Query 1 index can check.
    static func query1SQL(tenantID: Int64, predicates: [(Attribute, HotPredicate)], limit: Int) -> (String, [String?]) {
        var params: [String?] = [String(tenantID)]
        func p(_ v: String) -> String {
            params.append(v)
            return "$\(params.count)"
        }
        var conds: [String] = []
        for (a, pred) in predicates {
            // Only attributes without a generated column need their name as a literal (the
            // escaping showed up in profiles of the client's time per query).
            var key: String { PostgresConnection.literal(a.name) }
            let text = a.dataType == .text ? PostgresSchema.hotTextColumns[a.name].map { "ej." + $0 }
                ?? "(ej.hot_attrs ->> \(key))" : nil
            switch pred {
            case .equals(_, let v):
                if let text, case .text(let s) = v {
                    // A text attribute's values are JSON strings: the same test as containment.
                    conds.append("\(text) = \(p(s))::text")
                } else {
                    conds.append("ej.hot_attrs @> \(p("{" + JSON.quote(a.name) + ":" + v.jsonLiteral + "}"))::jsonb")
                }
            case .oneOf(_, let vs):
                if let text {
                    let texts = vs.compactMap { v -> String? in if case .text(let s) = v { return s } else { return nil } }
                    conds.append("\(text) = ANY(\(p(PostgresArray.literal(texts)))::text[])")
                } else {
                    conds.append("(ej.hot_attrs -> \(key)) = ANY(\(p(PostgresArray.literal(vs.map(\.jsonLiteral))))::jsonb[])")
                }
            case .atLeast(_, let bound):
                // HotPredicateCheck admits only int and decimal attributes here (JSON numbers).
                let b = bound.isNaN ? "NaN" : bound == .infinity ? "Infinity" : bound == -.infinity ? "-Infinity" : String(bound)
                let number = PostgresSchema.hotNumberColumns[a.name].map { "ej." + $0 } ?? "atlas.hot_number(ej.hot_attrs, \(key))"
                conds.append("\(number) >= \(p(b))::float8")
            }
        }
        // The limit stays a parameter, but the inner LIMIT is a constant: the smallest power
        // of two at or above it. A generic plan costs `LIMIT $n` as 10 % of the rows it
        // estimates (~9,400 at 1M entities), so the plan cache kept choosing a custom plan and
        // planned every execution (0.5–1 ms); with a constant bound the planner picks the
        // generic plan itself after its five custom ones (partitions pruned at executor
        // start). A power of two keeps it to 15 statements per predicate shape.
        let sql = """
            SELECT entity_id, entity_type, hot_attrs, updated_micros FROM (
                SELECT e.entity_id, e.entity_type, ej.hot_attrs::text AS hot_attrs,
                       (extract(epoch FROM ej.updated_at) * 1000000)::bigint AS updated_micros, ej.updated_at
                FROM atlas.entity_jsonb ej
                JOIN atlas.entities e ON e.entity_id = ej.entity_id AND e.tenant_id = ej.tenant_id
                WHERE ej.tenant_id = $1 AND e.tenant_id = $1 AND e.is_deleted = FALSE
                \(conds.map { "  AND " + $0 }.joined(separator: "\n    "))
                ORDER BY ej.updated_at DESC, ej.entity_id
                LIMIT \(limitBound(limit))
            ) q1
            ORDER BY updated_at DESC, entity_id
            LIMIT \(p(String(limit)))
            """
        return (sql, params)
    }

    /// The constant inner bound of Query 1 for `limit` (1...10,000): the smallest power of
    /// two ≥ `limit`.
    static func limitBound(_ limit: Int) -> Int {
        var b = 1
        while b < limit { b <<= 1 }
        return b
    }

    private func decodeHot(_ json: String) throws -> [String: Value] {
        let scalars = try FlatJSONObject.parse(json)
        var out = [String: Value](minimumCapacity: scalars.count)
        for (k, s) in scalars {
            guard let a = try attribute(named: k) else {
                throw PostgresStoreError.undecodableHotValue(attribute: k, json: json)
            }
            out[k] = try HotValueCodec.value(s, as: a)
        }
        return out
    }

    public func hotAttributes(tenantID: Int64, entityID: Int64) throws -> EntitySnapshot? {
        try inTenant(tenantID, "hot_attributes") {
            let r = try connection.run(SQL.hotAttributes, [String(tenantID), String(entityID)])
            guard r.rowCount > 0 else { return nil }
            return try HotQueryRow(entityID: entityID, entityType: r.string(0, 0)!,
                                   hotAttributes: decodeHot(r.string(0, 1)!), updatedAtMicros: r.int64(0, 2)!)
        }
    }

    public func history(_ query: HistoryQuery) throws -> [HistoryPoint] {
        let range = try config.queryLimits.check(query.range, query: "history")
        return try inTenant(query.tenantID, "history") {
            let r = try connection.run(SQL.history, [
                String(query.tenantID), String(query.entityID), String(query.attributeID),
                TimestampFormat.iso8601(micros: range.fromMicros), TimestampFormat.iso8601(micros: range.toMicros),
            ])
            return try (0..<r.rowCount).map { i in
                let v: Value
                if let s = r.string(i, 1) { v = .text(s) }
                else if let x = r.int64(i, 2) { v = .int(x) }
                else if let d = r.string(i, 3), let x = Double(d) { v = .decimal(x) }
                else if let b = r.bool(i, 4) { v = .bool(b) }
                else if let t = r.int64(i, 5) { v = .timestamp(micros: t) }
                else { throw PostgresStoreError.rowWithoutValue(statement: "history") }
                return HistoryPoint(ingestedAtMicros: r.int64(i, 0)!, value: v)
            }
        }
    }

    public func attributeDistribution(_ query: DistributionQuery) throws -> [DistributionRow] {
        let window = try config.queryLimits.check(query.window, query: "distribution")
        guard let cat = try attribute(id: query.categoryAttributeID) else {
            throw QueryError.unknownAttribute(query: "distribution", attribute: String(query.categoryAttributeID))
        }
        guard cat.dataType == .text else { throw QueryError.categoryNotText(attributeID: cat.id) }
        return try inTenant(query.tenantID, "attribute_distribution") {
            let r = try connection.run(SQL.distribution, [
                String(query.tenantID), String(cat.id),
                TimestampFormat.iso8601(micros: window.fromMicros), TimestampFormat.iso8601(micros: window.toMicros),
                String(query.minSamplesExclusive),
            ])
            return (0..<r.rowCount).map { i in
                DistributionRow(category: r.string(i, 0)!, attributeName: r.string(i, 1)!,
                                entityCount: Int(r.int64(i, 2)!), avg: r.double(i, 3)!, min: r.double(i, 4)!,
                                max: r.double(i, 5)!, median: r.double(i, 6)!, p95: r.double(i, 7)!,
                                sampleCount: Int(r.int64(i, 8)!))
            }
        }
    }

    public func counts(tenantID: Int64) throws -> StoreCounts {
        try inTenant(tenantID, "counts") {
            let r = try connection.run(SQL.counts, [String(tenantID)])
            return StoreCounts(entities: Int(r.int64(0, 0)!), timeSeriesRows: Int(r.int64(0, 1)!),
                               hotEntities: Int(r.int64(0, 2)!))
        }
    }
}

/// Store-level failures that are not a single server error.
public enum PostgresStoreError: Error, Equatable, CustomStringConvertible {
    /// The server restarted: UNLOGGED staging lost what it held. Replay from the log
    /// (`Ingestor.recover()`, which calls `clearStaging()`) before staging or flushing again.
    case stagingLost
    case undecodableHotValue(attribute: String, json: String)
    case rowWithoutValue(statement: String)

    public var description: String {
        switch self {
        case .stagingLost:
            return "postgres: the server restarted and UNLOGGED staging was emptied; replay from the ingest log (Ingestor.recover) before staging or flushing"
        case .undecodableHotValue(let a, let j):
            return "postgres: hot attribute '\(a)' in \(j.prefix(200)) does not decode as its catalog type"
        case .rowWithoutValue(let s): return "postgres: \(s): a time-series row has no value column set"
        }
    }
}

/// PostgreSQL array literals for array parameters (`$1::text[]`).
enum PostgresArray {
    static func literal(_ items: [String], quoted: Bool = true) -> String {
        guard quoted else { return "{" + items.joined(separator: ",") + "}" }
        return "{" + items.map { s in
            // Most values need no escaping, and Foundation's replacement showed in profiles of Query 1.
            guard s.utf8.contains(where: { $0 == 0x5C || $0 == 0x22 }) else { return "\"" + s + "\"" }
            return "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        }.joined(separator: ",") + "}"
    }
}
