import AtlasCore

/// Queries over the memory store's slots and columns. Scans are fine here: the
/// memory store answers tests and the simulator's reads, not 30-day analytics.
extension MemoryStore {
    /// The slot of `entityID` when it is registered and belongs to `tenantID`.
    func visibleSlot(_ entityID: Int64, tenant: Int64) -> Int? {
        // While staging runs on another thread (`ConcurrentStaging`), an entry it is
        // writing may be seen half-written: such an entity is unregistered, and the
        // bound and id checks turn anything torn into "not there", which is its answer.
        guard let s = index.find(entityID).map(Int.init), s < slots.count else { return nil }
        let e = slots[s]
        guard e.registered, e.tenant == tenant, e.entityID == entityID else { return nil }
        return s
    }

    /// Prefetch hints for a point lookup of `entityID` that will come soon, in three
    /// stages a few lookups apart, each starting the load the next one needs (each
    /// stage's lookups hit the cache if the earlier stage ran): the index bucket, then
    /// the entity's slot, then the two ends of its hot block. Hints only: nothing is read that
    /// a lookup would not read, and a torn or missing entry prefetches nothing useful.
    public func prefetchLookup(_ entityID: Int64, stage: Int) {
        switch stage {
        case 2: index.prefetch(entityID)
        case 1: if let s = index.find(entityID) { slots.prefetch(Int(s)) }
        default:
            guard let s = index.find(entityID).map(Int.init), s < slots.count else { return }
            let e = slots[s]
            cells.prefetch(Int(e.hotStart))
            if e.hotCount > 1 { cells.prefetch(Int(e.hotStart) + Int(e.hotCount) - 1) }
        }
    }

    func hotValue(_ slot: Int, attribute: Int32) -> Value? {
        let e = slots[slot]
        for k in 0..<Int(e.hotCount) where cells[Int(e.hotStart) + k].attribute == attribute {
            return cells[Int(e.hotStart) + k].value
        }
        return nil
    }

    func snapshot(_ slot: Int) -> HotQueryRow {
        let e = slots[slot]
        var attrs: [HotAttribute] = []
        attrs.reserveCapacity(Int(e.hotCount))
        // Newest added first (the order the cells were listed in before blocks).
        for k in stride(from: Int(e.hotCount) - 1, through: 0, by: -1) {
            let cell = cells[Int(e.hotStart) + k]
            attrs.append(HotAttribute(name: attributeNames[Int(cell.attribute)], value: cell.value))
        }
        return HotQueryRow(entityID: e.entityID, entityType: registeredTypeNames[Int(e.type)],
                           distinctHotAttributes: attrs, updatedAtMicros: e.updatedAtMicros)
    }

    /// The registered slots of `tenantID`, newest registration first.
    func tenantEntities(_ tenantID: Int64) -> [Int32] {
        var out: [Int32] = []
        var s = tenantHead[tenantID] ?? -1
        while s >= 0 {
            out.append(s)
            s = slots[Int(s)].nextInTenant
        }
        return out
    }

    public func findEntities(_ query: HotQuery) throws -> [HotQueryRow] {
        guard (1...10_000).contains(query.limit) else { throw QueryError.invalidLimit(query.limit) }
        let preds = try query.predicates.map { p in
            (attributeIndex[try HotPredicateCheck.attribute(for: p, in: catalog).id]!, p)
        }
        var hits: [Int] = []
        for s in tenantEntities(query.tenantID) {
            let slot = Int(s)
            guard slots[slot].hotCount > 0 else { continue }
            if preds.allSatisfy({ $0.1.matches(hotValue(slot, attribute: $0.0)) }) { hits.append(slot) }
        }
        hits.sort {
            let a = slots[$0], b = slots[$1]
            return a.updatedAtMicros != b.updatedAtMicros ? a.updatedAtMicros > b.updatedAtMicros : a.entityID < b.entityID
        }
        return hits.prefix(query.limit).map(snapshot)
    }

    public func hotAttributes(tenantID: Int64, entityID: Int64) throws -> EntitySnapshot? {
        guard let s = visibleSlot(entityID, tenant: tenantID), slots[s].hotCount > 0 else { return nil }
        return snapshot(s)
    }

    public func history(_ query: HistoryQuery) throws -> [HistoryPoint] { try histories([query])[0] }

    /// All the histories in one pass over the time series (the scenario's final
    /// verification asks for dozens; a pass per query was ~1.5 s of a baseline hour).
    public func histories(_ queries: [HistoryQuery]) throws -> [[HistoryPoint]] {
        // Check every range first: the first refused query throws, as `history` per query would.
        let ranges = try queries.map { try queryLimits.check($0.range, query: "history") }
        // The queries that can match anything, grouped by entity slot (in query order).
        var slotOfGroup: [UInt32] = []
        var groups: [[(query: Int, attribute: Int32, range: TimeRange)]] = []
        var groupOfSlot: [UInt32: Int] = [:]
        for (k, q) in queries.enumerated() {
            guard let s = visibleSlot(q.entityID, tenant: q.tenantID), let a = attributeIndex[q.attributeID] else { continue }
            let slot = UInt32(s)
            if let g = groupOfSlot[slot] {
                groups[g].append((k, a, ranges[k]))
            } else {
                groupOfSlot[slot] = groups.count
                slotOfGroup.append(slot)
                groups.append([(k, a, ranges[k])])
            }
        }
        var rows = [[(Int64, Int64, Int)]](repeating: [], count: queries.count)
        @inline(__always) func match(_ g: Int, row i: Int) {
            for t in groups[g] where ts.attribute[i] == t.attribute && t.range.contains(ts.atMicros[i]) {
                rows[t.query].append((ts.atMicros[i], ts.offset[i], i))
            }
        }
        if slotOfGroup.count == 1 {
            // One entity: a plain compare per row.
            let target = slotOfGroup[0]
            ts.slot.forEachRun { slots, base in
                for j in slots.indices where slots[j] == target { match(0, row: base + j) }
            }
        } else if !slotOfGroup.isEmpty {
            // Several: an open-addressing set of the slots, small enough to stay in L1.
            var bits = 4
            while (1 << bits) < slotOfGroup.count * 4 { bits += 1 }
            let mask = (1 << bits) - 1, shift = UInt32(32 - bits)
            var keys = [UInt32](repeating: .max, count: mask + 1)  // .max: empty (slots are < count)
            var groupAt = [Int](repeating: -1, count: mask + 1)
            @inline(__always) func home(_ s: UInt32) -> Int { Int((s &* 0x9E37_79B1) >> shift) }
            for (g, s) in slotOfGroup.enumerated() {
                var h = home(s)
                while keys[h] != .max { h = (h + 1) & mask }
                keys[h] = s
                groupAt[h] = g
            }
            keys.withUnsafeBufferPointer { keys in
                ts.slot.forEachRun { slots, base in
                    for j in slots.indices {
                        let s = slots[j]
                        var h = home(s)
                        while keys[h] != .max {
                            if keys[h] == s {
                                match(groupAt[h], row: base + j)
                                break
                            }
                            h = (h + 1) & mask
                        }
                    }
                }
            }
        }
        return rows.map { r in
            r.sorted { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }.map { HistoryPoint(ingestedAtMicros: $0.0, value: ts.value($0.2)) }
        }
    }

    public func attributeDistribution(_ query: DistributionQuery) throws -> [DistributionRow] {
        let window = try queryLimits.check(query.window, query: "distribution")
        guard let catIdx = attributeIndex[query.categoryAttributeID] else {
            throw QueryError.unknownAttribute(query: "distribution", attribute: String(query.categoryAttributeID))
        }
        let cat = attributes[Int(catIdx)]
        guard cat.dataType == .text else { throw QueryError.categoryNotText(attributeID: cat.id) }
        var categories: [UInt32: Set<String>] = [:]
        for i in 0..<ts.count where ts.attribute[i] == catIdx && slots[Int(ts.slot[i])].tenant == query.tenantID
            && window.contains(ts.atMicros[i]) {
            if case .text(let c) = ts.value(i) { categories[ts.slot[i], default: []].insert(c) }
        }
        var agg = DistributionAggregator()
        for i in 0..<ts.count where ts.tag[i] == 1 && window.contains(ts.atMicros[i]) {
            guard let cs = categories[ts.slot[i]] else { continue }
            let name = attributes[Int(ts.attribute[i])].name
            let x = Double(bitPattern: ts.payload[i])
            for c in cs { agg.add(category: c, attributeName: name, entityID: slots[Int(ts.slot[i])].entityID, value: x) }
        }
        return agg.rows(minSamplesExclusive: query.minSamplesExclusive)
    }

    public func counts(tenantID: Int64) throws -> StoreCounts {
        let tenantEntities = tenantEntities(tenantID)
        var rows = 0
        for i in 0..<ts.count where slots[Int(ts.slot[i])].tenant == tenantID { rows += 1 }
        return StoreCounts(entities: tenantEntities.count, timeSeriesRows: rows,
                           hotEntities: tenantEntities.reduce(0) { $0 + (slots[Int($1)].hotCount > 0 ? 1 : 0) })
    }
}
