import AtlasCore
import AtlasStorage
import Testing

/// The write path tells the cache which keys a committed flush changed: a cached
/// answer is never older than the last flush that touched its entity.
@Suite struct FlushCacheInvalidationTests {
    @Test func committedFlushInvalidatesOnlyTouchedHotEntities() throws {
        let p = try Fixture.Pipeline(MemoryStore())
        let cache = LRUCache(clock: p.clock)
        p.ingestor.tracksHotEntities = true
        var committed: [Int64] = []
        p.flusher.onCommit = { result, touched in
            cache.invalidate(touched)
            committed.append(result.flushedThroughOffset)
        }
        let router = QueryRouter(clock: p.clock, primary: PrimarySource(name: "primary"), cache: cache)
        let stores = StoreDirectory()
        stores.register(p.store, for: "primary")
        let t = Fixture.t0
        try p.ingest([Fixture.reading(1, 1, 1, .text("online"), at: t), Fixture.reading(2, 2, 1, .text("online"), at: t)])
        try p.flush()
        // A fill in the same microsecond as the invalidating commit is refused (conservative).
        p.clock.advance(byMicros: 1)
        // Fill the cache for both entities, then hit it.
        _ = try router.hotAttributes(tenantID: 1, entityID: 1, executor: stores)
        _ = try router.hotAttributes(tenantID: 2, entityID: 2, executor: stores)
        p.clock.advance(byMicros: 1000)
        #expect(try router.hotAttributes(tenantID: 1, entityID: 1, executor: stores).freshness.cached)
        // A cold-only reading for entity 2 and a hot change to entity 1.
        try p.ingest([Fixture.reading(1, 1, 1, .text("offline"), at: t + 10), Fixture.reading(2, 2, 5, .decimal(1), at: t + 10)])
        // Before the flush commits, the cache still answers the committed state.
        #expect(try router.hotAttributes(tenantID: 1, entityID: 1, executor: stores).value?.hotAttributes["status"] == .text("online"))
        p.clock.advance(byMicros: 1000)
        try p.flush()
        #expect(committed == [2, 4])
        // The first read after the commit misses, refills, and later reads hit again.
        p.clock.advance(byMicros: 1000)
        let after = try router.hotAttributes(tenantID: 1, entityID: 1, executor: stores)
        #expect(!after.freshness.cached)
        #expect(after.value?.hotAttributes["status"] == .text("offline"))
        p.clock.advance(byMicros: 1000)
        #expect(try router.hotAttributes(tenantID: 1, entityID: 1, executor: stores).freshness.cached)
        // Entity 2 had no hot change: still cached. Tenant 1 never sees tenant 2's key.
        #expect(try router.hotAttributes(tenantID: 2, entityID: 2, executor: stores).freshness.cached)
        #expect(try router.hotAttributes(tenantID: 1, entityID: 2, executor: stores).value == nil)
    }
}

/// The memory store refuses, as a whole batch, records that bypass the validator's
/// ownership rule: one entity under two tenants never reaches staging.
@Suite struct MemoryStoreIntegrityTests {
    func record(_ offset: Int64, tenant: Int64, entity: Int64) -> LogRecord {
        LogRecord(offset: offset, tenantID: tenant, entityID: entity, entityType: "device", attributeID: 1,
                  value: .text("x"), ingestedAtMicros: Fixture.t0)
    }

    @Test func conflictingOwnersAreRefusedWithoutTrace() throws {
        let store = MemoryStore()
        try store.install(catalog: Fixture.catalog)
        #expect(throws: MemoryStore.IntegrityError.self) {
            try store.stage([record(1, tenant: 1, entity: 7), record(2, tenant: 2, entity: 7)])
        }
        #expect(try store.stagedCount() == 0 && store.entityOwner(7) == nil)
        try store.stage([record(1, tenant: 1, entity: 7)])
        #expect(throws: MemoryStore.IntegrityError.self) { try store.stage([record(2, tenant: 2, entity: 7)]) }
        #expect(throws: MemoryStore.IntegrityError.self) {
            try store.stage([LogRecord(offset: 3, tenantID: 1, entityID: 8, entityType: "d", attributeID: 999,
                                       value: .int(1), ingestedAtMicros: Fixture.t0)])
        }
        #expect(try store.stagedCount() == 1 && store.entityOwner(7) == 1)
        // A batch refused part-way releases the claims it made before the bad record.
        #expect(throws: MemoryStore.IntegrityError.self) {
            try store.stage([record(3, tenant: 1, entity: 9),
                             LogRecord(offset: 4, tenantID: 1, entityID: 10, entityType: "d", attributeID: 999,
                                       value: .int(1), ingestedAtMicros: Fixture.t0)])
        }
        #expect(try store.stagedCount() == 1 && store.entityOwner(9) == nil && store.entityOwner(10) == nil)
        // Staging lost (crash): the unflushed claim is released.
        try store.clearStaging()
        #expect(try store.entityOwner(7) == nil)
        try store.stage([record(4, tenant: 2, entity: 7)])
        #expect(try store.flush().entitiesRegistered == 1)
        #expect(try store.entityOwner(7) == 2)
    }
}
