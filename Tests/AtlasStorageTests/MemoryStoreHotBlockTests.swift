import AtlasCore
import AtlasStats
import AtlasStorage
import Testing

/// The memory store keeps an entity's hot cells in one block that doubles when full (a
/// move to the pool's end); these tests grow blocks far past the conformance fixture's
/// handful of hot attributes, roll flushes back mid-move, and span several pool chunks.
@Suite struct MemoryStoreHotBlockTests {
    static let hotAttributes = 300
    static let catalog: Catalog = try! Catalog(
        tenants: [Tenant(id: 1, name: "acme"), Tenant(id: 2, name: "globex")],
        attributes: (1...hotAttributes).map { Attribute(id: Int64($0), name: "h\($0)", dataType: .int, isHot: true) }
            + [Attribute(id: 1000, name: "cold", dataType: .int, isHot: false)])

    final class Pipeline {
        let clock = ManualClock(nowMicros: Fixture.t0)
        let store = MemoryStore()
        let ingestor: Ingestor
        let flusher: Flusher
        init() throws {
            try store.install(catalog: MemoryStoreHotBlockTests.catalog)
            ingestor = try Ingestor(validator: Validator(catalog: MemoryStoreHotBlockTests.catalog),
                                    log: InMemoryIngestLog(), store: store, clock: clock)
            flusher = Flusher(ingestor: ingestor, clock: clock)
        }
    }

    /// What every entity's projection must hold: attribute id → (value, ingested at).
    struct Model {
        var cells: [Int64: [Int64: (value: Int64, at: Int64)]] = [:]
        var tenant: [Int64: Int64] = [:]

        mutating func apply(_ rs: [Reading]) {
            for r in rs where r.attributeID != 1000 {
                guard case .int(let v) = r.value, let at = r.ingestedAtMicros else { continue }
                tenant[r.entityID] = r.tenantID
                if let old = cells[r.entityID]?[r.attributeID], old.at > at { continue }  // later offset wins ties
                cells[r.entityID, default: [:]][r.attributeID] = (v, at)
            }
        }

        func check(_ store: MemoryStore, sourceLocation: SourceLocation = #_sourceLocation) throws {
            for (entity, attrs) in cells {
                let row = try store.hotAttributes(tenantID: tenant[entity]!, entityID: entity)
                #expect(row?.hotAttributeCount == attrs.count, "entity \(entity)", sourceLocation: sourceLocation)
                #expect(row?.hotAttributes == Dictionary(uniqueKeysWithValues: attrs.map { ("h\($0.key)", Value.int($0.value.value)) }),
                        "entity \(entity)", sourceLocation: sourceLocation)
                #expect(row?.updatedAtMicros == attrs.values.map(\.at).max(), "entity \(entity)", sourceLocation: sourceLocation)
                // Tenant scoping holds for grown blocks too.
                #expect(try store.hotAttributes(tenantID: 3 - tenant[entity]!, entityID: entity) == nil,
                        sourceLocation: sourceLocation)
            }
        }
    }

    @Test func blocksGrowAcrossFlushesAndRollBackMidMove() throws {
        let p = try Pipeline()
        var model = Model()
        var rng = SplitMix64(seed: 7)
        var t = Fixture.t0
        for round in 0..<80 {
            var batch: [Reading] = []
            for entity in Int64(1)...6 {
                // Entity e writes 2e attributes per round, more of them new early on (entity 6
                // reaches every capacity from 1 to 512), rewriting others, some with
                // older timestamps that must not win.
                for _ in 0..<2 * Int(entity) {
                    let attr = Int64.random(in: 1...Int64(min(Self.hotAttributes, 5 * (round + 1))), using: &rng)
                    let at = t - Int64.random(in: 0...3, using: &rng) * 1_000_000
                    batch.append(Fixture.reading(entity % 2 + 1, entity, attr, .int(Int64(round * 1000) + attr), at: at))
                }
                batch.append(Fixture.reading(entity % 2 + 1, entity, 1000, .int(0), at: t))
            }
            t += 10_000_000
            p.clock.advance(byMicros: 1000)
            try p.ingestor.ingest(batch)
            if round % 4 == 3 {
                // A flush that fails after its hot merge (blocks moved, cells written)
                // leaves every projection as it was; the retry applies the batch once.
                p.store.injectedFlushFault = .beforeOffsetRecord
                #expect(throws: InjectedFault.self) { try p.flusher.flushNow() }
                try model.check(p.store)
            }
            try p.flusher.flushNow()
            model.apply(batch)
            try model.check(p.store)
        }
        #expect(model.cells[6]!.count > 256)  // the largest block doubled nine times
    }

    @Test func blocksSpanPoolChunks() throws {
        // 2^18 cells per pool chunk: 90,000 entities of 3 hot cells (blocks of 1, 2 and 4
        // cells of room, the outgrown ones left behind) fill more than one chunk, and
        // some blocks cross from one chunk into the next.
        let p = try Pipeline()
        var model = Model()
        var t = Fixture.t0
        for step in 0..<3 {
            var batch: [Reading] = []
            for entity in Int64(1)...90_000 {
                batch.append(Fixture.reading(entity % 2 + 1, entity, Int64(step + 1), .int(entity), at: t))
            }
            t += 1_000_000
            for chunk in stride(from: 0, to: batch.count, by: 10_000) {
                try p.ingestor.ingest(Array(batch[chunk..<min(chunk + 10_000, batch.count)]))
            }
            try p.flusher.flushNow()
            model.apply(batch)
        }
        try model.check(p.store)
    }

    @Test func anEntityPastTheHotCellLimitFailsItsFlushWholly() throws {
        // A block counts its cells in 16 bits: the 65,536th hot attribute of one entity is
        // refused with an error naming it, and the flush leaves nothing behind.
        let limit = Int(UInt16.max)
        let store = MemoryStore()
        try store.install(catalog: Catalog(
            tenants: [Tenant(id: 1, name: "acme")],
            attributes: (1...limit + 1).map { Attribute(id: Int64($0), name: "h\($0)", dataType: .int, isHot: true) }))
        let records = (1...limit + 1).map {
            LogRecord(offset: Int64($0), tenantID: 1, entityID: 42, entityType: "device", attributeID: Int64($0),
                      value: .int(Int64($0)), ingestedAtMicros: Fixture.t0)
        }
        try store.stage(records)
        #expect { try store.flush() } throws: { "\($0)".contains("entity 42 has more than \(limit) hot attributes") }
        #expect(try store.hotAttributes(tenantID: 1, entityID: 42) == nil)
        #expect(try store.flushedOffset() == 0 && store.stagedCount() == limit + 1)
        #expect(try store.counts(tenantID: 1) == StoreCounts(entities: 0, timeSeriesRows: 0, hotEntities: 0))
        // One attribute fewer flushes.
        try store.clearStaging()
        try store.stage(Array(records.prefix(limit)))
        #expect(try store.flush().hotCellsWritten == limit)
        #expect(try store.hotAttributes(tenantID: 1, entityID: 42)?.hotAttributeCount == limit)
    }
}
