import AtlasCore

/// Queries over the memory store's slots and columns. Scans are fine here: the
/// memory store answers tests and the simulator's reads, not 30-day analytics.
extension MemoryStore {
    /// The slot of `entityID` when it is registered and belongs to `tenantID`.
    func visibleSlot(_ entityID: Int64, tenant: Int64) -> Int? {
        guard let s = index.find(entityID).map(Int.init), slotRegistered[s], slotTenant[s] == tenant else { return nil }
        return s
    }

    func hotValue(_ slot: Int, attribute: Int32) -> Value? {
        var c = slotHotHead[slot]
        while c >= 0 {
            if cellAttr[Int(c)] == attribute { return cellValue[Int(c)] }
            c = cellNext[Int(c)]
        }
        return nil
    }

    func snapshot(_ slot: Int) -> HotQueryRow {
        var attrs: [String: Value] = [:]
        var c = slotHotHead[slot]
        while c >= 0 {
            attrs[attributes[Int(cellAttr[Int(c)])].name] = cellValue[Int(c)]
            c = cellNext[Int(c)]
        }
        return HotQueryRow(entityID: slotEntityID[slot], entityType: typeNames[Int(slotType[slot])],
                           hotAttributes: attrs, updatedAtMicros: slotUpdatedAt[slot])
    }

    public func findEntities(_ query: HotQuery) throws -> [HotQueryRow] {
        guard (1...10_000).contains(query.limit) else { throw QueryError.invalidLimit(query.limit) }
        let preds = try query.predicates.map { p in
            (attributeIndex[try HotPredicateCheck.attribute(for: p, in: catalog).id]!, p)
        }
        var hits: [Int] = []
        for s in tenantSlots[query.tenantID] ?? [] {
            let slot = Int(s)
            guard slotHotHead[slot] >= 0 else { continue }
            if preds.allSatisfy({ $0.1.matches(hotValue(slot, attribute: $0.0)) }) { hits.append(slot) }
        }
        hits.sort {
            slotUpdatedAt[$0] != slotUpdatedAt[$1] ? slotUpdatedAt[$0] > slotUpdatedAt[$1] : slotEntityID[$0] < slotEntityID[$1]
        }
        return hits.prefix(query.limit).map(snapshot)
    }

    public func hotAttributes(tenantID: Int64, entityID: Int64) throws -> EntitySnapshot? {
        guard let s = visibleSlot(entityID, tenant: tenantID), slotHotHead[s] >= 0 else { return nil }
        return snapshot(s)
    }

    public func history(_ query: HistoryQuery) throws -> [HistoryPoint] {
        let range = try queryLimits.check(query.range, query: "history")
        guard let s = visibleSlot(query.entityID, tenant: query.tenantID),
              let a = attributeIndex[query.attributeID] else { return [] }
        var rows: [(Int64, Int64, Int)] = []
        for i in 0..<ts.count where ts.slot[i] == UInt32(s) && ts.attribute[i] == a && range.contains(ts.atMicros[i]) {
            rows.append((ts.atMicros[i], ts.offset[i], i))
        }
        rows.sort { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
        return rows.map { HistoryPoint(ingestedAtMicros: $0.0, value: ts.value($0.2)) }
    }

    public func attributeDistribution(_ query: DistributionQuery) throws -> [DistributionRow] {
        let window = try queryLimits.check(query.window, query: "distribution")
        guard let catIdx = attributeIndex[query.categoryAttributeID] else {
            throw QueryError.unknownAttribute(query: "distribution", attribute: String(query.categoryAttributeID))
        }
        let cat = attributes[Int(catIdx)]
        guard cat.dataType == .text else { throw QueryError.categoryNotText(attributeID: cat.id) }
        var categories: [UInt32: Set<String>] = [:]
        for i in 0..<ts.count where ts.attribute[i] == catIdx && slotTenant[Int(ts.slot[i])] == query.tenantID
            && window.contains(ts.atMicros[i]) {
            if case .text(let c) = ts.value(i) { categories[ts.slot[i], default: []].insert(c) }
        }
        var agg = DistributionAggregator()
        for i in 0..<ts.count where ts.tag[i] == 1 && window.contains(ts.atMicros[i]) {
            guard let cs = categories[ts.slot[i]] else { continue }
            let name = attributes[Int(ts.attribute[i])].name
            let x = Double(bitPattern: ts.payload[i])
            for c in cs { agg.add(category: c, attributeName: name, entityID: slotEntityID[Int(ts.slot[i])], value: x) }
        }
        return agg.rows(minSamplesExclusive: query.minSamplesExclusive)
    }

    public func counts(tenantID: Int64) throws -> StoreCounts {
        let slots = tenantSlots[tenantID] ?? []
        var rows = 0
        for i in 0..<ts.count where slotTenant[Int(ts.slot[i])] == tenantID { rows += 1 }
        return StoreCounts(entities: slots.count, timeSeriesRows: rows,
                           hotEntities: slots.reduce(0) { $0 + (slotHotHead[Int($1)] >= 0 ? 1 : 0) })
    }
}
