import AtlasCore
import CSQLite3

/// The read path of the SQLite store. Hot-projection queries read `entity_jsonb`;
/// time-series queries visit the segments whose time span overlaps the range.
extension SQLiteStore {
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
        var out: [(offset: Int64, point: HistoryPoint)] = []
        for seg in segments.overlapping(range) {
            let s = try segments.statement("segment_history", segment: seg)
            defer { s.reset() }
            s.bind(1, query.tenantID); s.bind(2, query.entityID); s.bind(3, query.attributeID)
            s.bind(4, range.fromMicros); s.bind(5, range.toMicros)
            while try s.step() {
                let v: Value
                switch a.dataType {
                case .text: v = .text(s.string(2) ?? "")
                case .int: v = .int(s.int64(3))
                case .decimal: v = .decimal(s.double(4))
                case .bool: v = .bool(s.int64(5) != 0)
                case .timestamp: v = .timestamp(micros: s.int64(6))
                }
                out.append((s.int64(1), HistoryPoint(ingestedAtMicros: s.int64(0), value: v)))
            }
        }
        out.sort { ($0.point.ingestedAtMicros, $0.offset) < ($1.point.ingestedAtMicros, $1.offset) }
        return out.map(\.point)
    }

    /// Query 2. Each overlapping segment yields the tenant's category readings and decimal
    /// readings in the window; the join (an entity counted once per distinct category value,
    /// every decimal reading of it in the window a sample) is done here, because a category
    /// reading and a sample of the same entity may sit in different segments.
    public func attributeDistribution(_ query: DistributionQuery) throws -> [DistributionRow] {
        let window = try queryLimits.check(query.window, query: "distribution")
        guard let cat = catalog.attributes[query.categoryAttributeID] else {
            throw QueryError.unknownAttribute(query: "distribution", attribute: String(query.categoryAttributeID))
        }
        guard cat.dataType == .text else { throw QueryError.categoryNotText(attributeID: cat.id) }
        var categories: [Int64: Set<String>] = [:]
        var samples: [(entityID: Int64, attributeID: Int64, value: Double)] = []
        for seg in segments.overlapping(window) {
            let s = try segments.statement("segment_window", segment: seg)
            defer { s.reset() }
            s.bind(1, query.tenantID); s.bind(2, window.fromMicros); s.bind(3, window.toMicros); s.bind(4, cat.id)
            while try s.step() {
                let e = s.int64(0), attr = s.int64(1)
                if attr == cat.id, let c = s.string(2) {
                    categories[e, default: []].insert(c)
                } else if !s.isNull(3), catalog.attributes[attr]?.dataType == .decimal {
                    samples.append((e, attr, s.double(3)))
                }
            }
        }
        var agg = DistributionAggregator()
        for x in samples {
            guard let cs = categories[x.entityID], let name = catalog.attributes[x.attributeID]?.name else { continue }
            for c in cs { agg.add(category: c, attributeName: name, entityID: x.entityID, value: x.value) }
        }
        return agg.rows(minSamplesExclusive: query.minSamplesExclusive)
    }

    public func counts(tenantID: Int64) throws -> StoreCounts {
        var rows = 0
        for seg in segments.all where seg.rows > 0 {
            let s = try segments.statement("segment_count", segment: seg)
            defer { s.reset() }
            s.bind(1, tenantID)
            if try s.step() { rows += Int(s.int64(0)) }
        }
        return StoreCounts(entities: try scalar("count_entities") { $0.bind(1, tenantID) },
                           timeSeriesRows: rows,
                           hotEntities: try scalar("count_hot_entities") { $0.bind(1, tenantID) })
    }
}
