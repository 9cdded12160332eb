import AtlasCore

/// An in-process store with the spec's semantics — staging, time series, hot
/// projection, entity registry, flushed offset — laid out for the simulator's scale
/// (tens of millions of entities and readings): each entity is one record in a slot
/// table found through an open-addressing index, an entity's hot cells are one
/// contiguous block in a cell pool (regrown by doubling), the time series is columnar
/// and chunked, and tenants are derived from the entity's slot rather than stored per row.
///
/// At that scale nearly every entity or cell touched is a cache miss, so records are
/// laid out whole (one line per entity, one per cell) and the flush touches the
/// entities it will merge in one pass before merging, letting their misses overlap.
///
/// `flush()` is atomic: it appends, then checks the fault points, and on any failure
/// truncates what it appended and replays its undo records.
public final class MemoryStore: TelemetryStore, FlushFaultInjectable {
    public let name = "memory"
    public var injectedFlushFault: FlushFaultPoint?
    public let queryLimits: QueryLimits

    // Catalog, by dense attribute index. Properties read per reading are marked
    // @exclusivity(unchecked): the store has one writer (as in the spec; lookups may run
    // beside staging, see `ConcurrentStaging`) and no access spans a call that touches
    // the same property.
    var catalog = try! Catalog()
    @exclusivity(unchecked) var attributeIndex = DenseIDMap()
    var attributes: [Attribute] = []
    /// `isHot` by dense attribute index (read per flushed row).
    @exclusivity(unchecked) var attributeIsHot: [Bool] = []
    /// Names by dense attribute index (read per hot value returned).
    @exclusivity(unchecked) var attributeNames: [String] = []

    /// One entity. A slot is claimed by staging and registered by a flush.
    struct EntitySlot {
        var entityID: Int64
        var tenant: Int64
        var updatedAtMicros: Int64
        /// First cell of the entity's hot block in `cells`, -1 when it has none. The block
        /// holds `hotCount` cells in the order they were added, in room for the smallest
        /// power of two at least `hotCount` (blocks start at 1 and double when full): a
        /// snapshot reads a few adjacent lines, not a chain of misses (a linked list per
        /// entity cost ~8 % of a scenario hour in snapshots).
        var hotStart: Int32
        /// Next registered slot of the same tenant (newest first), -1 at the end.
        var nextInTenant: Int32
        var type: Int32
        var hotCount: UInt16
        var registered: Bool
    }
    /// One hot attribute value of one entity.
    struct HotCell {
        var atMicros: Int64
        var offset: Int64
        var value: Value
        var attribute: Int32
    }
    /// Fills block room not yet used.
    static let unusedCell = HotCell(atMicros: 0, offset: 0, value: .int(0), attribute: -1)

    static let unclaimed = Int64.min
    /// Tenants by dense code (the entity index stores the 32-bit code, not the id).
    static let unclaimedCode: Int32 = -1
    @exclusivity(unchecked) var tenantCodes = DenseIDMap()
    @exclusivity(unchecked) var tenantIDsByCode: [Int64] = []
    let index = EntitySlotIndex()
    let slots = PoolArray<EntitySlot>()
    let cells = PoolArray<HotCell>()
    @exclusivity(unchecked) var typeNames: [String] = []
    /// `typeNames` as of the last commit: what lookups read. Staging appends to
    /// `typeNames` while lookups may run (`ConcurrentStaging`); a registered entity's
    /// type was named before its commit.
    @exclusivity(unchecked) var registeredTypeNames: [String] = []
    @exclusivity(unchecked) var typeIDs: [String: Int32] = [:]
    /// Newest registered slot per tenant id, heading a list through `nextInTenant`
    /// (no per-tenant array to grow, no hashing per registration).
    @exclusivity(unchecked) var tenantHead = DenseIDMap()

    // Time series, columnar. Text payloads index `texts`.
    @exclusivity(unchecked) var ts = TimeSeriesColumns()

    /// What a flush needs of a staged record (the entity's tenant and type live in its slot).
    struct StagedRow {
        var offset: Int64
        var atMicros: Int64
        var value: Value
        var slot: UInt32
        var attribute: Int32
    }
    @exclusivity(unchecked) var staging: [StagedRow] = []
    /// Slots claimed by staging since the last flush (unclaimed again if staging is lost).
    @exclusivity(unchecked) var claimedSinceFlush: [UInt32] = []
    @exclusivity(unchecked) var flushed: Int64 = 0

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
            attributeIsHot.append(a.isHot)
            attributeNames.append(a.name)
        }
    }

    /// The errors only a caller bypassing the `Ingestor` can cause.
    public struct IntegrityError: Error, CustomStringConvertible {
        public var description: String
    }

    // MARK: write path

    /// Stages a batch in one pass, claiming new entities as it goes; a rejected batch
    /// is undone (its claims released, its rows dropped) and leaves no trace.
    public func stage(_ records: [LogRecord]) throws {
        // (No reserveCapacity(count + n) here: it allocates exactly that, so calling it per
        // batch copies all of staging every batch instead of growing geometrically.)
        let first = staging.count, claimedBefore = claimedSinceFlush.count
        do {
            for r in records {
                guard let a = attributeIndex[r.attributeID] else {
                    throw IntegrityError(description: "stage: attribute \(r.attributeID) is not installed")
                }
                let slot = try claim(r, claimedBefore: claimedBefore)
                staging.append(StagedRow(offset: r.offset, atMicros: r.ingestedAtMicros, value: r.value,
                                         slot: slot, attribute: a))
            }
        } catch {
            releaseClaims(from: claimedBefore)
            staging.removeSubrange(first...)
            throw error
        }
    }

    /// The slot of the record's entity, claimed for its tenant if it was free.
    private func claim(_ r: LogRecord, claimedBefore: Int) throws -> UInt32 {
        let code = tenantCode(r.tenantID)
        if let s = index.claim(r.entityID, tenant: code, ifTenant: Self.unclaimedCode) {
            let i = Int(s.slot)
            if s.claimed {
                slots[i].tenant = r.tenantID
                slots[i].type = typeID(r.entityType)
                claimedSinceFlush.append(s.slot)
            } else if s.tenant != code {
                let inBatch = claimedSinceFlush[claimedBefore...].contains(s.slot)
                let owner = tenantIDsByCode[Int(s.tenant)]
                throw IntegrityError(description: inBatch
                    ? "stage: entity \(r.entityID) claimed by tenants \(owner) and \(r.tenantID) in one batch"
                    : "stage: entity \(r.entityID) belongs to tenant \(owner), not \(r.tenantID)")
            }
            return s.slot
        }
        let s = UInt32(slots.count)
        slots.append(EntitySlot(entityID: r.entityID, tenant: r.tenantID, updatedAtMicros: 0, hotStart: -1,
                                nextInTenant: -1, type: typeID(r.entityType), hotCount: 0,
                                registered: false))
        index.insert(r.entityID, slot: s, tenant: code)
        claimedSinceFlush.append(s)
        return s
    }

    /// Unclaims the unregistered slots claimed since `claimedSinceFlush[from]`.
    private func releaseClaims(from: Int) {
        for s in claimedSinceFlush[from...] where !slots[Int(s)].registered {
            slots[Int(s)].tenant = Self.unclaimed
            index.setTenant(slots[Int(s)].entityID, Self.unclaimedCode)
        }
        claimedSinceFlush.removeSubrange(from...)
    }

    /// The dense code of `tenantID`, assigned on first sight.
    private func tenantCode(_ tenantID: Int64) -> Int32 {
        if let c = tenantCodes[tenantID] { return c }
        let c = Int32(tenantIDsByCode.count)
        tenantIDsByCode.append(tenantID)
        tenantCodes[tenantID] = c
        return c
    }

    private func typeID(_ t: String) -> Int32 {
        // Consecutive new entities mostly share a type: skip hashing the string.
        if let last = lastType, last.name == t { return last.id }
        let id: Int32
        if let known = typeIDs[t] {
            id = known
        } else {
            id = Int32(typeNames.count)
            typeNames.append(t)
            typeIDs[t] = id
        }
        lastType = (t, id)
        return id
    }
    @exclusivity(unchecked) private var lastType: (name: String, id: Int32)?

    public func stagedCount() throws -> Int { staging.count }

    public func clearStaging() throws {
        releaseClaims(from: 0)
        staging.removeAll()
    }

    public func flushedOffset() throws -> Int64 { flushed }

    public func entityOwner(_ entityID: Int64) throws -> Int64? { owner(of: entityID) }

    public func entityOwners(_ entityIDs: [Int64]) throws -> [Int64?] {
        // Touch every home bucket first: independent loads overlap their cache misses,
        // where one probe after another would wait for each in turn.
        index.touch(entityIDs)
        return entityIDs.map(owner(of:))
    }

    /// One probe: the index entry carries the tenant.
    private func owner(of entityID: Int64) -> Int64? {
        guard let t = index.entry(entityID)?.tenant, t != Self.unclaimedCode else { return nil }
        return tenantIDsByCode[Int(t)]
    }

    /// Undo records of one flush.
    private enum Undo {
        case cell(index: Int32, atMicros: Int64, offset: Int64, value: Value)
        case block(slot: UInt32, start: Int32, count: UInt16)
        case updatedAt(slot: UInt32, value: Int64)
    }

    public func flush() throws -> FlushResult {
        var result = FlushResult()
        result.rowsTaken = staging.count
        let flushedBefore = flushed
        let tsBefore = ts.count, textsBefore = ts.texts.count, cellsBefore = cells.count
        var registered: [UInt32] = []
        var hot: [HotRef] = []
        var undo: [Undo] = []
        var maxOffset = flushedBefore
        do {
            // 1. Entity registration: only slots claimed since the last commit can be
            // unregistered (a claim is made for an entity with no flushed row).
            for s in claimedSinceFlush where !slots[Int(s)].registered {
                slots[Int(s)].registered = true
                registered.append(s)
            }
            // 2. Time series. (Plain loops over a local reference, no closures: a local
            // captured by a closure pays a dynamic exclusivity check per access.)
            let rows = staging
            let isHot = attributeIsHot
            for i in rows.indices where rows[i].offset > flushedBefore {
                let row = rows[i]
                ts.append(offset: row.offset, slot: row.slot, attribute: row.attribute, atMicros: row.atMicros, value: row.value)
                maxOffset = max(maxOffset, row.offset)
                if isHot[Int(row.attribute)] {
                    hot.append(HotRef(cell: UInt64(row.slot) << 32 | UInt64(UInt32(bitPattern: row.attribute)), row: Int32(i)))
                }
            }
            result.rowsInserted = ts.count - tsBefore
            result.entitiesRegistered = registered.count
            try checkFault(.afterTimeSeriesInsert)
            // 3. Hot merge: the newest staged value per (entity, attribute) against the projection.
            let winners = newestPerCell(hot, in: rows)
            let found = findCells(winners)
            for (w, k) in zip(winners, found) {
                if try merge(w, at: k, undo: &undo) { result.hotCellsWritten += 1 } else { result.hotCellsSkippedAsOlder += 1 }
            }
            try checkFault(.beforeOffsetRecord)
        } catch {
            for u in undo.reversed() {
                switch u {
                case let .cell(c, at, offset, value):
                    cells[Int(c)].atMicros = at; cells[Int(c)].offset = offset; cells[Int(c)].value = value
                case let .block(s, start, count): slots[Int(s)].hotStart = start; slots[Int(s)].hotCount = count
                case let .updatedAt(s, v): slots[Int(s)].updatedAtMicros = v
                }
            }
            cells.truncate(to: cellsBefore)
            ts.truncate(to: tsBefore, texts: textsBefore)
            for s in registered { slots[Int(s)].registered = false }
            throw error
        }
        // 4. Commit: tenant index, offset, empty staging.
        for s in registered {
            let t = slots[Int(s)].tenant
            slots[Int(s)].nextInTenant = tenantHead[t] ?? -1
            tenantHead[t] = Int32(s)
        }
        if registeredTypeNames.count != typeNames.count { registeredTypeNames = typeNames }
        flushed = maxOffset
        staging.removeAll(keepingCapacity: true)
        claimedSinceFlush.removeAll(keepingCapacity: true)
        result.flushedThroughOffset = maxOffset
        return result
    }

    /// A staged hot value: its cell (slot in the high half, attribute index in the low)
    /// and its staging row.
    private struct HotRef {
        var cell: UInt64
        var row: Int32
    }

    /// The newest staged value of each cell among `hot` (by `(ingested_at, offset)`), in
    /// cell order: sorting groups a cell's values, and entity order walks the slots forward.
    private func newestPerCell(_ hot: [HotRef], in rows: [StagedRow]) -> [StagedRow] {
        let sorted = hot.sorted { $0.cell != $1.cell ? $0.cell < $1.cell : $0.row < $1.row }
        var winners: [StagedRow] = []
        var k = 0
        while k < sorted.count {
            var newest = rows[Int(sorted[k].row)]
            var j = k + 1
            while j < sorted.count, sorted[j].cell == sorted[k].cell {
                let r = rows[Int(sorted[j].row)]
                if LogRecord.isNewer(ingestedAtMicros: r.atMicros, offset: r.offset, than: newest.atMicros, offset: newest.offset) {
                    newest = r
                }
                j += 1
            }
            winners.append(newest)
            k = j
        }
        return winners
    }

    /// The position in its entity's hot block of each (entity, attribute) of `rows` (-1
    /// where it has none). Positions, not pool indices: a merge that outgrows a block moves
    /// it, keeping positions. Slots and blocks are prefetched a few rows ahead, so their
    /// cache misses overlap instead of each search waiting on its own.
    private func findCells(_ rows: [StagedRow]) -> [Int32] {
        var found = [Int32](repeating: -1, count: rows.count)
        let slotsAhead = 16, blocksAhead = 8
        for i in rows.indices {
            if i + slotsAhead < rows.count { slots.prefetch(Int(rows[i + slotsAhead].slot)) }
            if i + blocksAhead < rows.count { cells.prefetch(Int(slots[Int(rows[i + blocksAhead].slot)].hotStart)) }
            let e = slots[Int(rows[i].slot)]
            let start = Int(e.hotStart)
            for k in 0..<Int(e.hotCount) where cells[start + k].attribute == rows[i].attribute {
                found[i] = Int32(k)
                break
            }
        }
        return found
    }

    /// Applies one cell's newest staged value if it is newer than the projection's
    /// (`position` is its place in the entity's block, -1 for a new cell).
    private func merge(_ r: StagedRow, at position: Int32, undo: inout [Undo]) throws -> Bool {
        let s = Int(r.slot)
        let e = slots[s]
        if position >= 0 {
            let ci = Int(e.hotStart) + Int(position)
            let old = cells[ci]
            guard LogRecord.isNewer(ingestedAtMicros: r.atMicros, offset: r.offset,
                                    than: old.atMicros, offset: old.offset) else { return false }
            undo.append(.cell(index: Int32(ci), atMicros: old.atMicros, offset: old.offset, value: old.value))
            cells[ci].atMicros = r.atMicros; cells[ci].offset = r.offset; cells[ci].value = r.value
        } else {
            guard e.hotCount < UInt16.max else {
                throw IntegrityError(description: "flush: entity \(e.entityID) has more than \(UInt16.max) hot attributes")
            }
            undo.append(.block(slot: r.slot, start: e.hotStart, count: e.hotCount))
            // Full when the count is 0 (no block) or a power of two (the block's size).
            if e.hotCount & (e.hotCount &- 1) == 0 {
                let start = allocateBlock(capacity: Swift.max(1, 2 * Int(e.hotCount)))
                for k in 0..<Int(e.hotCount) { cells[start + k] = cells[Int(e.hotStart) + k] }
                slots[s].hotStart = Int32(start)
            }
            // Room past `hotCount` is unused: overwriting it needs no undo of its own.
            cells[Int(slots[s].hotStart) + Int(e.hotCount)] = HotCell(atMicros: r.atMicros, offset: r.offset,
                                                                       value: r.value, attribute: r.attribute)
            slots[s].hotCount = e.hotCount + 1
        }
        if r.atMicros > e.updatedAtMicros {
            undo.append(.updatedAt(slot: r.slot, value: e.updatedAtMicros))
            slots[s].updatedAtMicros = r.atMicros
        }
        return true
    }

    /// Appends room for `capacity` cells and returns its first index. Outgrown blocks
    /// are not reused: they total less than the live ones, and a flush's rollback
    /// truncates what it appended.
    private func allocateBlock(capacity: Int) -> Int {
        let start = cells.count
        for _ in 0..<capacity { cells.append(Self.unusedCell) }
        return start
    }

    private func checkFault(_ point: FlushFaultPoint) throws {
        if injectedFlushFault == point {
            injectedFlushFault = nil
            throw InjectedFault(point: point)
        }
    }
}

extension MemoryStore: ConcurrentStaging {
    /// Only the entity index moves when it grows; the slot and cell pools never move
    /// (`PoolArray`), and lookups read type names from `registeredTypeNames`.
    public var stagingEntityHeadroom: Int { index.insertHeadroom }
    public func reserveStagingEntities(_ n: Int) { index.reserve(additionalInserts: n) }
}
