import AtlasCore

/// An in-process store with the spec's semantics: staging, time series, hot
/// projection, entity registry and flushed offset. The simulator's default world.
///
/// `flush()` is atomic: it keeps an undo record of every entity it touches and rolls
/// back the time series and the projection if it fails part-way (only an injected
/// fault can fail it, which is what the atomicity tests use).
public final class MemoryStore: TelemetryStore, FlushFaultInjectable {
    public let name = "memory"
    public var injectedFlushFault: FlushFaultPoint?

    private var catalog = try! Catalog()
    /// Per attribute id: (isHot, isDecimal, name); dense lookups on the flush path.
    private var attributeInfo: [Int64: Attribute] = [:]

    private var staging: [LogRecord] = []
    /// Owner of every registered or staged entity: one lookup answers `entityOwner`
    /// and `stage`, and the two touch the same cache lines back to back.
    private var owners: [Int64: Int64] = [:]
    private var entities: [Int64: EntityRow] = [:]
    private var entityIDsByTenant: [Int64: [Int64]] = [:]
    private var timeSeries: [TimeSeriesRow] = []
    private var flushed: Int64 = 0
    public let queryLimits: QueryLimits

    public init(queryLimits: QueryLimits = QueryLimits()) {
        self.queryLimits = queryLimits
    }

    struct HotCell {
        var attributeID: Int64
        var value: Value
        var ingestedAtMicros: Int64
        var offset: Int64
    }

    struct EntityRow {
        var tenantID: Int64
        var type: String
        var updatedAtMicros: Int64
        var hot: [HotCell]
    }

    struct TimeSeriesRow {
        var offset: Int64
        var tenantID: Int64
        var entityID: Int64
        var attributeID: Int64
        var ingestedAtMicros: Int64
        var value: Value
    }

    public func install(catalog: Catalog) throws {
        var merged = self.catalog
        for t in catalog.sortedTenants where merged.tenants[t.id] == nil { try merged.add(t) }
        for a in catalog.sortedAttributes where merged.attributes[a.id] == nil { try merged.add(a) }
        self.catalog = merged
        attributeInfo = merged.attributes
    }

    // MARK: write path

    public func stage(_ records: [LogRecord]) throws {
        staging.append(contentsOf: records)
        for r in records where owners[r.entityID] == nil { owners[r.entityID] = r.tenantID }
    }

    public func stagedCount() throws -> Int { staging.count }

    public func clearStaging() throws {
        staging.removeAll()
        // Staged-only owners vanish with staging; registered ones stay.
        owners = owners.filter { entities[$0.key] != nil }
    }

    public func flushedOffset() throws -> Int64 { flushed }

    public func entityOwner(_ entityID: Int64) throws -> Int64? {
        owners[entityID]
    }

    private struct CellKey: Hashable {
        var entityID: Int64
        var attributeID: Int64
    }

    public func flush() throws -> FlushResult {
        // Work on local copies moved out of `self` (no copy: the storage is swapped), so
        // the per-row loop pays no exclusivity checks; everything is moved back at the end.
        var ts: [TimeSeriesRow] = [], ents: [Int64: EntityRow] = [:], staged: [LogRecord] = []
        swap(&ts, &timeSeries); swap(&ents, &entities); swap(&staged, &staging)
        defer { swap(&ts, &timeSeries); swap(&ents, &entities); swap(&staged, &staging) }
        let info = attributeInfo
        let flushedBefore = flushed
        var result = FlushResult()
        result.rowsTaken = staged.count
        let tsCountBefore = ts.count
        var undo: [Int64: EntityRow?] = [:]
        var newest: [CellKey: LogRecord] = [:]
        var maxOffset = flushedBefore
        do {
            // 1. Time series + entity registration; collect the newest hot value per cell.
            for r in staged where r.offset > flushedBefore {
                ts.append(TimeSeriesRow(offset: r.offset, tenantID: r.tenantID, entityID: r.entityID,
                                        attributeID: r.attributeID, ingestedAtMicros: r.ingestedAtMicros, value: r.value))
                maxOffset = max(maxOffset, r.offset)
                if ents[r.entityID] == nil {
                    undo[r.entityID] = .some(nil)
                    ents[r.entityID] = EntityRow(tenantID: r.tenantID, type: r.entityType, updatedAtMicros: 0, hot: [])
                    result.entitiesRegistered += 1
                }
                if info[r.attributeID]?.isHot == true {
                    let k = CellKey(entityID: r.entityID, attributeID: r.attributeID)
                    if let cur = newest[k], !LogRecord.isNewer(ingestedAtMicros: r.ingestedAtMicros, offset: r.offset,
                                                               than: cur.ingestedAtMicros, offset: cur.offset) {
                        continue
                    }
                    newest[k] = r
                }
            }
            result.rowsInserted = ts.count - tsCountBefore
            try checkFault(.afterTimeSeriesInsert)
            // 2. Hot merge: newest wins; a late, older value never overwrites.
            for (k, r) in newest {
                guard let idx = ents.index(forKey: k.entityID) else { continue }
                if undo[k.entityID] == nil { undo[k.entityID] = .some(ents.values[idx]) }
                var wrote = false
                Self.merge(into: &ents.values[idx], key: k, record: r, wrote: &wrote)
                if wrote { result.hotCellsWritten += 1 } else { result.hotCellsSkippedAsOlder += 1 }
            }
            try checkFault(.beforeOffsetRecord)
        } catch {
            ts.removeSubrange(tsCountBefore...)
            for (id, old) in undo { ents[id] = old }
            throw error
        }
        // 3. Commit: tenant index for new entities, offset, empty staging.
        for (id, old) in undo where old == nil {
            entityIDsByTenant[ents[id]!.tenantID, default: []].append(id)
        }
        flushed = maxOffset
        staged.removeAll(keepingCapacity: true)
        result.flushedThroughOffset = maxOffset
        return result
    }

    private static func merge(into row: inout EntityRow, key k: CellKey, record r: LogRecord, wrote: inout Bool) {
        let cell = HotCell(attributeID: k.attributeID, value: r.value, ingestedAtMicros: r.ingestedAtMicros, offset: r.offset)
        if let i = row.hot.firstIndex(where: { $0.attributeID == k.attributeID }) {
            let c = row.hot[i]
            guard LogRecord.isNewer(ingestedAtMicros: r.ingestedAtMicros, offset: r.offset,
                                    than: c.ingestedAtMicros, offset: c.offset) else { return }
            row.hot[i] = cell
        } else {
            row.hot.append(cell)
        }
        row.updatedAtMicros = max(row.updatedAtMicros, r.ingestedAtMicros)
        wrote = true
    }

    private func checkFault(_ point: FlushFaultPoint) throws {
        if injectedFlushFault == point {
            injectedFlushFault = nil
            throw InjectedFault(point: point)
        }
    }

    // MARK: queries

    private func snapshot(_ id: Int64, _ row: EntityRow) -> HotQueryRow {
        var attrs: [String: Value] = [:]
        for c in row.hot { attrs[attributeInfo[c.attributeID]!.name] = c.value }
        return HotQueryRow(entityID: id, entityType: row.type, hotAttributes: attrs, updatedAtMicros: row.updatedAtMicros)
    }

    public func findEntities(_ query: HotQuery) throws -> [HotQueryRow] {
        guard (1...10_000).contains(query.limit) else { throw QueryError.invalidLimit(query.limit) }
        var preds: [(Int64, HotPredicate)] = []
        for p in query.predicates {
            preds.append((try HotPredicateCheck.attribute(for: p, in: catalog).id, p))
        }
        var hits: [(Int64, EntityRow)] = []
        for id in entityIDsByTenant[query.tenantID] ?? [] {
            guard let row = entities[id], row.tenantID == query.tenantID, !row.hot.isEmpty else { continue }
            let ok = preds.allSatisfy { (aid, p) in p.matches(row.hot.first { $0.attributeID == aid }?.value) }
            if ok { hits.append((id, row)) }
        }
        hits.sort { $0.1.updatedAtMicros != $1.1.updatedAtMicros ? $0.1.updatedAtMicros > $1.1.updatedAtMicros : $0.0 < $1.0 }
        return hits.prefix(query.limit).map { snapshot($0.0, $0.1) }
    }

    public func hotAttributes(tenantID: Int64, entityID: Int64) throws -> EntitySnapshot? {
        guard let row = entities[entityID], row.tenantID == tenantID, !row.hot.isEmpty else { return nil }
        return snapshot(entityID, row)
    }

    public func history(_ query: HistoryQuery) throws -> [HistoryPoint] {
        let range = try queryLimits.check(query.range, query: "history")
        let rows = timeSeries.filter {
            $0.tenantID == query.tenantID && $0.entityID == query.entityID
                && $0.attributeID == query.attributeID && range.contains($0.ingestedAtMicros)
        }.sorted { $0.ingestedAtMicros != $1.ingestedAtMicros ? $0.ingestedAtMicros < $1.ingestedAtMicros : $0.offset < $1.offset }
        return rows.map { HistoryPoint(ingestedAtMicros: $0.ingestedAtMicros, value: $0.value) }
    }

    public func attributeDistribution(_ query: DistributionQuery) throws -> [DistributionRow] {
        let window = try queryLimits.check(query.window, query: "distribution")
        guard let cat = attributeInfo[query.categoryAttributeID] else {
            throw QueryError.unknownAttribute(query: "distribution", attribute: String(query.categoryAttributeID))
        }
        guard cat.dataType == .text else { throw QueryError.categoryNotText(attributeID: cat.id) }
        var categories: [Int64: Set<String>] = [:]
        for r in timeSeries where r.tenantID == query.tenantID && r.attributeID == cat.id && window.contains(r.ingestedAtMicros) {
            if case .text(let s) = r.value { categories[r.entityID, default: []].insert(s) }
        }
        var agg = DistributionAggregator()
        for r in timeSeries where r.tenantID == query.tenantID && window.contains(r.ingestedAtMicros) {
            guard case .decimal(let x) = r.value, let cs = categories[r.entityID],
                  let a = attributeInfo[r.attributeID] else { continue }
            for c in cs { agg.add(category: c, attributeName: a.name, entityID: r.entityID, value: x) }
        }
        return agg.rows(minSamplesExclusive: query.minSamplesExclusive)
    }

    public func counts(tenantID: Int64) throws -> StoreCounts {
        let ids = entityIDsByTenant[tenantID] ?? []
        return StoreCounts(entities: ids.count,
                           timeSeriesRows: timeSeries.reduce(0) { $0 + ($1.tenantID == tenantID ? 1 : 0) },
                           hotEntities: ids.reduce(0) { $0 + ((entities[$1]?.hot.isEmpty ?? true) ? 0 : 1) })
    }

    /// Total rows in the time series (all tenants): for memory accounting in the simulator.
    public var timeSeriesRowCount: Int { timeSeries.count }
    /// Registered entities (all tenants).
    public var entityCount: Int { entities.count }
}
