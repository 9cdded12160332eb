import CPrefetch

/// An in-process `ReadCache`: least-recently-used eviction over an entry and a byte
/// budget (Redis `allkeys-lru`), a TTL by the injected clock, and invalidation
/// tombstones that close the cache-aside fill race.
///
/// The race: a read misses at t0 and reads a replica whose answer is as of t0 - lag;
/// a flush commits and invalidates the key; then the read fills the cache with its now
/// stale answer. An invalidation leaves a tombstone for `invalidationMemoryMicros`; a fill
/// whose `asOfMicros` is not after a tombstone, or older than the memory, is refused.
public final class LRUCache: ReadCache {
    public struct Config: Sendable, Equatable {
        /// Most entries held.
        public var maxEntries: Int
        /// Most (estimated) bytes held; see `LRUCache.estimatedBytes`.
        public var maxBytes: Int
        /// Backstop expiry after a fill.
        public var ttlMicros: Int64
        /// How long invalidations are remembered; must exceed the oldest answer the
        /// router fills from (the replica max lag, 5 s).
        public var invalidationMemoryMicros: Int64

        public init(maxEntries: Int = 100_000, maxBytes: Int = 64 << 20, ttlMicros: Int64 = 60_000_000,
                    invalidationMemoryMicros: Int64 = 10_000_000) {
            precondition(maxEntries >= 1 && maxBytes >= 1 && ttlMicros >= 1 && invalidationMemoryMicros >= 0,
                         "LRUCache.Config: budgets and TTL must be positive")
            self.maxEntries = maxEntries
            self.maxBytes = maxBytes
            self.ttlMicros = ttlMicros
            self.invalidationMemoryMicros = invalidationMemoryMicros
        }
    }

    /// One entry in the recency list (doubly linked through array indices).
    private struct Node {
        var key: CacheKey
        var value: EntitySnapshot
        var bytes: Int
        var asOfMicros: Int64
        var expiresAtMicros: Int64
        var newer: Int  // toward the most recently used end; -1 = none
        var older: Int  // toward the least recently used end; -1 = none
    }

    public let config: Config
    private let clock: any Clock
    private var nodes: [Node] = []
    private var freeSlots: [Int] = []
    @exclusivity(unchecked) private var index = CacheKeyTable()  // key → node
    private var newest = -1
    private var oldest = -1
    /// Latest invalidation time per key, and the same in time order for pruning.
    @exclusivity(unchecked) private var tombstones = CacheKeyTable()  // key → invalidated at (µs)
    private var tombstoneQueue: [(key: CacheKey, atMicros: Int64)] = []
    private var tombstoneQueueStart = 0
    /// Fills read at or before this time are refused: invalidations before it may have
    /// been lost (a restart after an outage), so no tombstone can vouch for them.
    private var fenceMicros = Int64.min
    /// Invalidations currently remembered (tests).
    var tombstoneCount: Int { tombstones.count }

    public private(set) var counters = CacheCounters()
    /// Estimated bytes held.
    public private(set) var bytes = 0

    public init(clock: any Clock, config: Config = Config()) {
        self.clock = clock
        self.config = config
    }

    /// Entries held (including any expired ones not yet looked up).
    public var count: Int { index.count }

    /// Prefetch hints for a `get(key)` that will come soon, in two stages a few gets
    /// apart: the index bucket, then the entry. Hints only: nothing changes.
    public func prefetch(_ key: CacheKey, stage: Int) {
        if stage >= 1 {
            index.prefetch(key)
        } else if let i = index[key].map(Int.init) {
            nodes.withUnsafeBufferPointer { atlas_prefetch($0.baseAddress! + i) }
        }
    }

    public func get(_ key: CacheKey) -> EntitySnapshot? {
        guard let i = index[key].map(Int.init) else {
            counters.misses += 1
            return nil
        }
        if clock.nowMicros >= nodes[i].expiresAtMicros {
            remove(at: i)
            counters.expirations += 1
            counters.misses += 1
            return nil
        }
        moveToNewest(i)
        counters.hits += 1
        return nodes[i].value
    }

    @discardableResult
    public func put(_ key: CacheKey, _ value: EntitySnapshot, asOfMicros: Int64) -> CachePutOutcome {
        let now = clock.nowMicros
        pruneTombstones(now: now)
        let outcome = admit(key, value, asOfMicros: asOfMicros, now: now)
        if outcome == .stored { counters.fills += 1 } else if outcome != .keptNewer { counters.refusedFills += 1 }
        return outcome
    }

    public func invalidate(tenantID: Int64, entityIDs: some Sequence<Int64>) {
        let now = clock.nowMicros
        pruneTombstones(now: now)
        for entityID in entityIDs { invalidate(CacheKey(tenantID: tenantID, entityID: entityID), now: now) }
    }

    public func invalidate(_ entities: [TenantEntity]) {
        let now = clock.nowMicros
        pruneTombstones(now: now)
        // A commit's entities are cache misses in both tables: start each key's loads a
        // few keys ahead of its invalidation (hints only).
        for e in entities.prefix(Self.prefetchDistance) { prefetchBuckets(CacheKey(tenantID: e.tenantID, entityID: e.entityID)) }
        for k in entities.indices {
            if k + Self.prefetchDistance < entities.count {
                let a = entities[k + Self.prefetchDistance]
                prefetchBuckets(CacheKey(tenantID: a.tenantID, entityID: a.entityID))
            }
            invalidate(CacheKey(tenantID: entities[k].tenantID, entityID: entities[k].entityID), now: now)
        }
    }

    /// How many keys ahead a batch (invalidation, tombstone pruning) prefetches.
    static let prefetchDistance = 8

    @inline(__always) private func prefetchBuckets(_ key: CacheKey) {
        index.prefetch(key)
        tombstones.prefetch(key)
    }

    private func invalidate(_ key: CacheKey, now: Int64) {
        if let i = index.removeValue(forKey: key) {
            release(Int(i))
            counters.invalidations += 1
        }
        guard config.invalidationMemoryMicros > 0 else { return }
        tombstones[key] = now
        tombstoneQueue.append((key, now))
    }

    /// Drops every entry (a cache restart). Tombstones stay: they guard later fills.
    /// - Parameter invalidationsLostBeforeMicros: when invalidations could not be
    ///   delivered until then (the cache was unreachable), fills read at or before it are
    ///   refused: an entity changed while the cache was down has no tombstone.
    public func removeAll(invalidationsLostBeforeMicros: Int64? = nil) {
        if let t = invalidationsLostBeforeMicros { fenceMicros = max(fenceMicros, t) }
        nodes.removeAll()
        freeSlots.removeAll()
        index.removeAll()
        newest = -1
        oldest = -1
        bytes = 0
    }

    /// The byte cost charged for one entry: a fixed overhead for the key and bookkeeping,
    /// plus the entity type, attribute names and values (text by UTF-8 length).
    public static func estimatedBytes(_ value: EntitySnapshot) -> Int {
        var n = 96 + value.entityType.utf8.count
        value.forEachHotAttribute { name, v in
            n += 24 + name.utf8.count
            if case .text(let s) = v { n += s.utf8.count } else { n += 8 }
        }
        return n
    }

    // MARK: internals

    private func admit(_ key: CacheKey, _ value: EntitySnapshot, asOfMicros: Int64, now: Int64) -> CachePutOutcome {
        guard value.entityID == key.entityID else { return .refusedEntityMismatch }
        if let t = tombstones[key], t >= asOfMicros { return .refusedInvalidatedSinceRead }
        if asOfMicros <= fenceMicros { return .refusedInvalidatedSinceRead }
        if asOfMicros < now - config.invalidationMemoryMicros { return .refusedTooOld }
        let size = Self.estimatedBytes(value)
        guard size <= config.maxBytes else { return .refusedTooLarge }
        let expires = now + config.ttlMicros
        if let i = index[key].map(Int.init) {
            if nodes[i].asOfMicros > asOfMicros, now < nodes[i].expiresAtMicros { return .keptNewer }
            bytes += size - nodes[i].bytes
            nodes[i].value = value
            nodes[i].bytes = size
            nodes[i].asOfMicros = asOfMicros
            nodes[i].expiresAtMicros = expires
            moveToNewest(i)
        } else {
            let node = Node(key: key, value: value, bytes: size, asOfMicros: asOfMicros,
                            expiresAtMicros: expires, newer: -1, older: -1)
            let i: Int
            if let slot = freeSlots.popLast() {
                nodes[slot] = node
                i = slot
            } else {
                nodes.append(node)
                i = nodes.count - 1
            }
            index[key] = Int64(i)
            bytes += size
            linkAsNewest(i)
        }
        while index.count > config.maxEntries || bytes > config.maxBytes {
            remove(at: oldest)
            counters.evictions += 1
        }
        return .stored
    }

    private func pruneTombstones(now: Int64) {
        let horizon = now - config.invalidationMemoryMicros
        while tombstoneQueueStart < tombstoneQueue.count, tombstoneQueue[tombstoneQueueStart].atMicros < horizon {
            if tombstoneQueueStart + Self.prefetchDistance < tombstoneQueue.count {
                tombstones.prefetch(tombstoneQueue[tombstoneQueueStart + Self.prefetchDistance].key)  // a hint
            }
            let (key, at) = tombstoneQueue[tombstoneQueueStart]
            _ = tombstones.removeValue(forKey: key, ifEqualTo: at)
            tombstoneQueueStart += 1
        }
        // Reclaim the consumed prefix once it dominates the array.
        if tombstoneQueueStart > 1024, tombstoneQueueStart * 2 > tombstoneQueue.count {
            tombstoneQueue.removeFirst(tombstoneQueueStart)
            tombstoneQueueStart = 0
        }
    }

    private func remove(at i: Int) {
        index[nodes[i].key] = nil
        release(i)
    }

    /// Frees node `i`, already out of the index.
    private func release(_ i: Int) {
        unlink(i)
        bytes -= nodes[i].bytes
        freeSlots.append(i)
    }

    private func moveToNewest(_ i: Int) {
        guard newest != i else { return }
        unlink(i)
        linkAsNewest(i)
    }

    private func linkAsNewest(_ i: Int) {
        nodes[i].older = newest
        nodes[i].newer = -1
        if newest >= 0 { nodes[newest].newer = i }
        newest = i
        if oldest < 0 { oldest = i }
    }

    private func unlink(_ i: Int) {
        let (n, o) = (nodes[i].newer, nodes[i].older)
        if n >= 0 { nodes[n].older = o } else { newest = o }
        if o >= 0 { nodes[o].newer = n } else { oldest = n }
        nodes[i].newer = -1
        nodes[i].older = -1
    }
}
