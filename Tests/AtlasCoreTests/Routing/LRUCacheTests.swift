import Testing
@testable import AtlasCore

@Suite("LRUCache")
struct LRUCacheTests {
    static func snap(_ id: Int64, _ text: String = "x") -> EntitySnapshot {
        EntitySnapshot(entityID: id, entityType: "device", hotAttributes: ["status": .text(text)], updatedAtMicros: 0)
    }
    static func key(_ tenant: Int64, _ id: Int64) -> CacheKey { CacheKey(tenantID: tenant, entityID: id) }

    @Test("entry budget evicts the least recently used; a get refreshes recency")
    func entryBudget() {
        let clock = ManualClock(nowMicros: t0)
        let c = LRUCache(clock: clock, config: .init(maxEntries: 3))
        for id in 1...3 { c.put(Self.key(1, Int64(id)), Self.snap(Int64(id)), asOfMicros: t0) }
        #expect(c.get(Self.key(1, 1)) != nil)  // 1 is now the newest; 2 the oldest
        c.put(Self.key(1, 4), Self.snap(4), asOfMicros: t0)
        #expect(c.count == 3)
        #expect(c.counters.evictions == 1)
        #expect(c.get(Self.key(1, 2)) == nil)
        #expect(c.get(Self.key(1, 1)) != nil && c.get(Self.key(1, 3)) != nil && c.get(Self.key(1, 4)) != nil)
    }

    @Test("byte budget: fits exactly, one byte over evicts, an oversize value is refused")
    func byteBudget() {
        let clock = ManualClock(nowMicros: t0)
        let size = LRUCache.estimatedBytes(Self.snap(1))
        #expect(LRUCache.estimatedBytes(Self.snap(1, "xy")) == size + 1)
        let c = LRUCache(clock: clock, config: .init(maxBytes: 2 * size + 1))
        c.put(Self.key(1, 1), Self.snap(1), asOfMicros: t0)
        c.put(Self.key(1, 2), Self.snap(2, "xy"), asOfMicros: t0)
        #expect(c.bytes == 2 * size + 1 && c.count == 2 && c.counters.evictions == 0)
        // Replacing entry 1 with a value one byte larger: over budget by one, entry 2 goes.
        c.put(Self.key(1, 1), Self.snap(1, "xy"), asOfMicros: t0 + 1)
        #expect(c.counters.evictions == 1)
        #expect(c.count == 1 && c.bytes == size + 1)
        #expect(c.get(Self.key(1, 2)) == nil)
        let huge = Self.snap(9, String(repeating: "z", count: 2 * size))
        #expect(c.put(Self.key(1, 9), huge, asOfMicros: t0) == .refusedTooLarge)
        #expect(c.counters.refusedFills == 1)
    }

    @Test("TTL: a hit just before expiry, a miss at expiry")
    func ttl() {
        let clock = ManualClock(nowMicros: t0)
        let c = LRUCache(clock: clock, config: .init(ttlMicros: 60 * second))
        c.put(Self.key(1, 1), Self.snap(1), asOfMicros: t0)
        clock.nowMicros = t0 + 60 * second - 1
        #expect(c.get(Self.key(1, 1)) != nil)
        clock.nowMicros = t0 + 60 * second
        #expect(c.get(Self.key(1, 1)) == nil)
        #expect(c.counters.expirations == 1 && c.counters.hits == 1 && c.counters.misses == 1)
        #expect(c.count == 0 && c.bytes == 0)
    }

    @Test("tenant B never receives tenant A's entry for the same entity id")
    func tenantIsolation() {
        let clock = ManualClock(nowMicros: t0)
        let c = LRUCache(clock: clock)
        c.put(Self.key(1, 7), Self.snap(7, "tenant-A"), asOfMicros: t0)
        #expect(c.get(Self.key(2, 7)) == nil)
        #expect(c.get(Self.key(1, 7))?.hotAttributes["status"] == .text("tenant-A"))
        // Tenant B's invalidation of entity 7 leaves tenant A's entry alone.
        c.invalidate(tenantID: 2, entityIDs: [7])
        #expect(c.get(Self.key(1, 7)) != nil)
        #expect(c.counters.invalidations == 0)
        #expect(CacheKey(tenantID: 1, entityID: 7).redisKey == "t:1:e:7:hot")
    }

    @Test("invalidation removes the entry and refuses fills that may predate it")
    func invalidationAndFillRace() {
        let clock = ManualClock(nowMicros: t0)
        let c = LRUCache(clock: clock, config: .init(invalidationMemoryMicros: 10 * second))
        c.put(Self.key(1, 7), Self.snap(7, "old"), asOfMicros: t0)
        clock.nowMicros = t0 + 1 * second
        c.invalidate(tenantID: 1, entityIDs: [7, 8])
        #expect(c.counters.invalidations == 1)
        #expect(c.get(Self.key(1, 7)) == nil)
        // A replica answer as of before the commit (the race), and at the same instant.
        #expect(c.put(Self.key(1, 7), Self.snap(7, "stale"), asOfMicros: t0 + 500_000) == .refusedInvalidatedSinceRead)
        #expect(c.put(Self.key(1, 7), Self.snap(7, "tie"), asOfMicros: t0 + 1 * second) == .refusedInvalidatedSinceRead)
        // An answer as of after the invalidation is stored.
        #expect(c.put(Self.key(1, 7), Self.snap(7, "new"), asOfMicros: t0 + 1 * second + 1) == .stored)
        #expect(c.get(Self.key(1, 7))?.hotAttributes["status"] == .text("new"))
    }

    @Test("fills too old to check against invalidations are refused; tombstones expire")
    func invalidationMemory() {
        let clock = ManualClock(nowMicros: t0 + 20 * second)
        let c = LRUCache(clock: clock, config: .init(invalidationMemoryMicros: 10 * second))
        #expect(c.put(Self.key(1, 1), Self.snap(1), asOfMicros: t0 + 10 * second - 1) == .refusedTooOld)
        #expect(c.put(Self.key(1, 1), Self.snap(1), asOfMicros: t0 + 10 * second) == .stored)
        c.invalidate(tenantID: 1, entityIDs: [2])
        #expect(c.tombstoneCount == 1)
        clock.nowMicros = t0 + 40 * second
        // The tombstone (at +20 s) is forgotten; fills within memory are accepted again.
        #expect(c.put(Self.key(1, 2), Self.snap(2), asOfMicros: t0 + 30 * second) == .stored)
        #expect(c.tombstoneCount == 0)
    }

    @Test("back from an outage: fills read before it came back are refused")
    func restartAfterOutage() {
        let clock = ManualClock(nowMicros: t0)
        let c = LRUCache(clock: clock)
        c.put(Self.key(1, 7), Self.snap(7, "before"), asOfMicros: t0)
        // Down from t0 to t0 + 3 s: entity 7 changes at t0 + 2 s, its invalidation is lost.
        clock.nowMicros = t0 + 3 * second
        c.removeAll(invalidationsLostBeforeMicros: clock.nowMicros)
        #expect(c.get(Self.key(1, 7)) == nil)
        // A replica answer as of t0 + 1 s predates the lost change: refused, at the fence too.
        #expect(c.put(Self.key(1, 7), Self.snap(7, "stale"), asOfMicros: t0 + 1 * second) == .refusedInvalidatedSinceRead)
        #expect(c.put(Self.key(1, 7), Self.snap(7, "tie"), asOfMicros: t0 + 3 * second) == .refusedInvalidatedSinceRead)
        #expect(c.put(Self.key(1, 7), Self.snap(7, "new"), asOfMicros: t0 + 3 * second + 1) == .stored)
        // A plain flush (cache reachable, invalidations delivered) sets no fence.
        let d = LRUCache(clock: clock)
        d.removeAll()
        #expect(d.put(Self.key(1, 8), Self.snap(8), asOfMicros: t0 + 2 * second) == .stored)
    }

    @Test("a fill never replaces a newer answer, nor stores a mismatched entity")
    func keptNewerAndMismatch() {
        let clock = ManualClock(nowMicros: t0)
        let c = LRUCache(clock: clock)
        c.put(Self.key(1, 1), Self.snap(1, "newer"), asOfMicros: t0)
        #expect(c.put(Self.key(1, 1), Self.snap(1, "older"), asOfMicros: t0 - 1) == .keptNewer)
        #expect(c.get(Self.key(1, 1))?.hotAttributes["status"] == .text("newer"))
        #expect(c.put(Self.key(1, 2), Self.snap(3), asOfMicros: t0) == .refusedEntityMismatch)
        #expect(c.counters.fills == 1 && c.counters.refusedFills == 1)
    }

    @Test("hit ratio counts hits over lookups")
    func hitRatio() {
        let clock = ManualClock(nowMicros: t0)
        let c = LRUCache(clock: clock)
        #expect(c.counters.hitRatio == 0)
        c.put(Self.key(1, 1), Self.snap(1), asOfMicros: t0)
        for _ in 0..<9 { _ = c.get(Self.key(1, 1)) }
        _ = c.get(Self.key(1, 2))
        #expect(c.counters.hitRatio == 0.9)
    }
}
