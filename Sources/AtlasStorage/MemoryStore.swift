import AtlasCore

/// An in-process store with the spec's semantics — staging, time series, hot
/// projection, entity registry, flushed offset — laid out for the simulator's scale
/// (tens of millions of entities and readings): entities live in dense slots found
/// through an open-addressing index, the time series is columnar and chunked, hot
/// cells sit in one pool linked per entity, and tenants are derived from the entity's
/// slot rather than stored per row.
///
/// `flush()` is atomic: it appends, then checks the fault points, and on any failure
/// truncates what it appended and replays its undo records.
public final class MemoryStore: TelemetryStore, FlushFaultInjectable {
    public let name = "memory"
    public var injectedFlushFault: FlushFaultPoint?
    public let queryLimits: QueryLimits

    // Catalog, by dense attribute index.
    var catalog = try! Catalog()
    var attributeIndex = DenseIDMap()
    var attributes: [Attribute] = []

    // Entities, by slot. A slot is claimed by staging and registered by a flush.
    static let unclaimed = Int64.min
    let index = EntitySlotIndex()
    @exclusivity(unchecked) var slotEntityID: [Int64] = []
    @exclusivity(unchecked) var slotTenant: [Int64] = []
    @exclusivity(unchecked) var slotType: [Int32] = []
    @exclusivity(unchecked) var slotRegistered: [Bool] = []
    @exclusivity(unchecked) var slotUpdatedAt: [Int64] = []
    @exclusivity(unchecked) var slotHotHead: [Int32] = []
    var typeNames: [String] = []
    var typeIDs: [String: Int32] = [:]
    var tenantSlots: [Int64: [UInt32]] = [:]

    // Hot cells: one pool, a singly linked list per entity.
    @exclusivity(unchecked) var cellNext: [Int32] = []
    @exclusivity(unchecked) var cellAttr: [Int32] = []
    @exclusivity(unchecked) var cellAt: [Int64] = []
    @exclusivity(unchecked) var cellOffset: [Int64] = []
    @exclusivity(unchecked) var cellValue: [Value] = []

    // Time series, columnar. Text payloads index `texts`.
    @exclusivity(unchecked) var ts = TimeSeriesColumns()

    struct StagedRow {
        var record: LogRecord
        var slot: UInt32
        var attribute: Int32
    }
    @exclusivity(unchecked) var staging: [StagedRow] = []
    /// Slots claimed by staging since the last flush (unclaimed again if staging is lost).
    @exclusivity(unchecked) var claimedSinceFlush: [UInt32] = []
    var flushed: Int64 = 0

    public init(queryLimits: QueryLimits = QueryLimits()) {
        self.queryLimits = queryLimits
    }

    public func install(catalog: Catalog) throws {
        var merged = self.catalog
        for t in catalog.sortedTenants where merged.tenants[t.id] == nil { try merged.add(t) }
        for a in catalog.sortedAttributes where merged.attributes[a.id] == nil { try merged.add(a) }
        self.catalog = merged
        for a in merged.sortedAttributes where attributeIndex[a.id] == nil {
            attributeIndex[a.id] = Int32(attributes.count)
            attributes.append(a)
        }
    }

    /// The errors only a caller bypassing the `Ingestor` can cause.
    public struct IntegrityError: Error, CustomStringConvertible {
        public var description: String
    }

    // MARK: write path

    public func stage(_ records: [LogRecord]) throws {
        // Check the whole batch first (one index probe per record, kept for the second
        // pass): a rejected batch leaves no trace.
        let first = staging.count
        var found: [UInt32?] = []
        var attrs: [Int32] = []
        var newOwners: [Int64: Int64] = [:]
        found.reserveCapacity(records.count)
        attrs.reserveCapacity(records.count)
        for r in records {
            guard let a = attributeIndex[r.attributeID] else {
                throw IntegrityError(description: "stage: attribute \(r.attributeID) is not installed")
            }
            let e = index.entry(r.entityID)
            if let e, e.tenant != Self.unclaimed, e.tenant != r.tenantID {
                throw IntegrityError(description: "stage: entity \(r.entityID) belongs to tenant \(e.tenant), not \(r.tenantID)")
            }
            if e == nil || e!.tenant == Self.unclaimed {
                // Two tenants claiming one new entity inside the batch.
                if let other = newOwners.updateValue(r.tenantID, forKey: r.entityID), other != r.tenantID {
                    throw IntegrityError(description: "stage: entity \(r.entityID) claimed by tenants \(other) and \(r.tenantID) in one batch")
                }
            }
            // A claimed slot is used as is; a free or missing one is claimed below.
            found.append(e.flatMap { $0.tenant == Self.unclaimed ? nil : $0.slot })
            attrs.append(a)
        }
        staging.reserveCapacity(first + records.count)
        for i in records.indices {
            let r = records[i]
            let slot: UInt32
            if let s = found[i] { slot = s } else { slot = claim(r) }
            staging.append(StagedRow(record: r, slot: slot, attribute: attrs[i]))
        }
    }

    /// The slot of the record's entity, claimed for its tenant if it was free.
    private func claim(_ r: LogRecord) -> UInt32 {
        if let s = index.find(r.entityID) {
            let i = Int(s)
            if slotTenant[i] == Self.unclaimed {
                slotTenant[i] = r.tenantID
                index.setTenant(r.entityID, r.tenantID)
                slotType[i] = typeID(r.entityType)
                claimedSinceFlush.append(s)
            }
            return s
        }
        let s = UInt32(slotEntityID.count)
        slotEntityID.append(r.entityID)
        slotTenant.append(r.tenantID)
        slotType.append(typeID(r.entityType))
        slotRegistered.append(false)
        slotUpdatedAt.append(0)
        slotHotHead.append(-1)
        index.insert(r.entityID, slot: s, tenant: r.tenantID)
        claimedSinceFlush.append(s)
        return s
    }

    private func typeID(_ t: String) -> Int32 {
        if let id = typeIDs[t] { return id }
        let id = Int32(typeNames.count)
        typeNames.append(t)
        typeIDs[t] = id
        return id
    }

    public func stagedCount() throws -> Int { staging.count }

    public func clearStaging() throws {
        for s in claimedSinceFlush where !slotRegistered[Int(s)] {
            slotTenant[Int(s)] = Self.unclaimed
            index.setTenant(slotEntityID[Int(s)], Self.unclaimed)
        }
        claimedSinceFlush.removeAll()
        staging.removeAll()
    }

    public func flushedOffset() throws -> Int64 { flushed }

    public func entityOwner(_ entityID: Int64) throws -> Int64? {
        // One probe: the index entry carries the tenant.
        guard let t = index.entry(entityID)?.tenant, t != Self.unclaimed else { return nil }
        return t
    }

    /// Undo records of one flush.
    private enum Undo {
        case cell(index: Int32, at: Int64, offset: Int64, value: Value)
        case head(slot: UInt32, head: Int32)
        case updatedAt(slot: UInt32, value: Int64)
    }

    public func flush() throws -> FlushResult {
        var result = FlushResult()
        result.rowsTaken = staging.count
        let flushedBefore = flushed
        let tsBefore = ts.count, textsBefore = ts.texts.count, cellsBefore = cellNext.count
        var registered: [UInt32] = []
        var hot: [Int] = []
        var undo: [Undo] = []
        var maxOffset = flushedBefore
        do {
            // 1. Time series + entity registration.
            for (i, row) in staging.enumerated() where row.record.offset > flushedBefore {
                let r = row.record
                ts.append(offset: r.offset, slot: row.slot, attribute: row.attribute, atMicros: r.ingestedAtMicros, value: r.value)
                maxOffset = max(maxOffset, r.offset)
                if !slotRegistered[Int(row.slot)] {
                    slotRegistered[Int(row.slot)] = true
                    registered.append(row.slot)
                }
                if attributes[Int(row.attribute)].isHot { hot.append(i) }
            }
            result.rowsInserted = ts.count - tsBefore
            result.entitiesRegistered = registered.count
            try checkFault(.afterTimeSeriesInsert)
            // 2. Hot merge: the newest staged value per (entity, attribute) against the projection.
            hot.sort { a, b in
                let x = staging[a], y = staging[b]
                if x.slot != y.slot { return x.slot < y.slot }
                if x.attribute != y.attribute { return x.attribute < y.attribute }
                return !LogRecord.isNewer(ingestedAtMicros: x.record.ingestedAtMicros, offset: x.record.offset,
                                          than: y.record.ingestedAtMicros, offset: y.record.offset)
            }
            for (k, i) in hot.enumerated() {
                let row = staging[i]
                if k + 1 < hot.count, staging[hot[k + 1]].slot == row.slot, staging[hot[k + 1]].attribute == row.attribute {
                    continue // a newer value for this cell follows
                }
                if merge(row, undo: &undo) { result.hotCellsWritten += 1 } else { result.hotCellsSkippedAsOlder += 1 }
            }
            try checkFault(.beforeOffsetRecord)
        } catch {
            for u in undo.reversed() {
                switch u {
                case let .cell(c, at, offset, value):
                    cellAt[Int(c)] = at; cellOffset[Int(c)] = offset; cellValue[Int(c)] = value
                case let .head(s, h): slotHotHead[Int(s)] = h
                case let .updatedAt(s, v): slotUpdatedAt[Int(s)] = v
                }
            }
            cellNext.removeSubrange(cellsBefore...); cellAttr.removeSubrange(cellsBefore...)
            cellAt.removeSubrange(cellsBefore...); cellOffset.removeSubrange(cellsBefore...)
            cellValue.removeSubrange(cellsBefore...)
            ts.truncate(to: tsBefore, texts: textsBefore)
            for s in registered { slotRegistered[Int(s)] = false }
            throw error
        }
        // 3. Commit: tenant index, offset, empty staging.
        for s in registered { tenantSlots[slotTenant[Int(s)], default: []].append(s) }
        flushed = maxOffset
        staging.removeAll(keepingCapacity: true)
        claimedSinceFlush.removeAll(keepingCapacity: true)
        result.flushedThroughOffset = maxOffset
        return result
    }

    /// Applies one cell's newest staged value if it is newer than the projection's.
    private func merge(_ row: StagedRow, undo: inout [Undo]) -> Bool {
        let r = row.record, s = Int(row.slot)
        var c = slotHotHead[s]
        while c >= 0, cellAttr[Int(c)] != row.attribute { c = cellNext[Int(c)] }
        if c >= 0 {
            let ci = Int(c)
            guard LogRecord.isNewer(ingestedAtMicros: r.ingestedAtMicros, offset: r.offset,
                                    than: cellAt[ci], offset: cellOffset[ci]) else { return false }
            undo.append(.cell(index: c, at: cellAt[ci], offset: cellOffset[ci], value: cellValue[ci]))
            cellAt[ci] = r.ingestedAtMicros; cellOffset[ci] = r.offset; cellValue[ci] = r.value
        } else {
            undo.append(.head(slot: row.slot, head: slotHotHead[s]))
            cellNext.append(slotHotHead[s]); cellAttr.append(row.attribute)
            cellAt.append(r.ingestedAtMicros); cellOffset.append(r.offset); cellValue.append(r.value)
            slotHotHead[s] = Int32(cellNext.count - 1)
        }
        if r.ingestedAtMicros > slotUpdatedAt[s] {
            undo.append(.updatedAt(slot: row.slot, value: slotUpdatedAt[s]))
            slotUpdatedAt[s] = r.ingestedAtMicros
        }
        return true
    }

    private func checkFault(_ point: FlushFaultPoint) throws {
        if injectedFlushFault == point {
            injectedFlushFault = nil
            throw InjectedFault(point: point)
        }
    }

    /// Rows in the time series (all tenants).
    public var timeSeriesRowCount: Int { ts.count }
    /// Entities registered or staged (all tenants).
    public var entityCount: Int { slotEntityID.count }
    /// Approximate bytes held by the entity index (for memory accounting).
    public var entityIndexBytes: Int { index.bytes }
}
