import AtlasCore

/// The primary's store with a power switch: while `isDown`, every call that needs the
/// database throws `PrimaryUnavailable`. `entityOwner` keeps answering (the ingest
/// tier's ownership cache), so buffered ingest can still validate during an outage.
final class FaultableStore: TelemetryStore {
    struct PrimaryUnavailable: Error, CustomStringConvertible {
        var description: String { "primary unavailable (crashed; failover in progress)" }
    }

    let inner: any TelemetryStore
    var isDown = false

    init(_ inner: any TelemetryStore) { self.inner = inner }

    var name: String { inner.name }
    private func up() throws { if isDown { throw PrimaryUnavailable() } }

    func install(catalog: Catalog) throws { try up(); try inner.install(catalog: catalog) }
    func stage(_ records: [LogRecord]) throws { try up(); try inner.stage(records) }
    func stagedCount() throws -> Int { try up(); return try inner.stagedCount() }
    func clearStaging() throws { try up(); try inner.clearStaging() }
    func flush() throws -> FlushResult { try up(); return try inner.flush() }
    func flushedOffset() throws -> Int64 { try up(); return try inner.flushedOffset() }
    func entityOwner(_ entityID: Int64) throws -> Int64? { try inner.entityOwner(entityID) }
    func entityOwners(_ entityIDs: [Int64]) throws -> [Int64?] { try inner.entityOwners(entityIDs) }
    func durableFlushedOffset() throws -> Int64 { try inner.durableFlushedOffset() }
    func findEntities(_ query: HotQuery) throws -> [HotQueryRow] { try up(); return try inner.findEntities(query) }
    func attributeDistribution(_ query: DistributionQuery) throws -> [DistributionRow] {
        try up(); return try inner.attributeDistribution(query)
    }
    func hotAttributes(tenantID: Int64, entityID: Int64) throws -> EntitySnapshot? {
        try up(); return try inner.hotAttributes(tenantID: tenantID, entityID: entityID)
    }
    func history(_ query: HistoryQuery) throws -> [HistoryPoint] { try up(); return try inner.history(query) }
    func histories(_ queries: [HistoryQuery]) throws -> [[HistoryPoint]] { try up(); return try inner.histories(queries) }
    func counts(tenantID: Int64) throws -> StoreCounts { try up(); return try inner.counts(tenantID: tenantID) }
}

/// The entity cache with an outage switch. While down, lookups miss (after
/// `ServiceModel.cacheErrorMs`), fills are dropped and invalidations cannot be
/// delivered; the cache comes back empty (a restarted Redis) and refuses fills read
/// before it came back, so no entry can have missed an invalidation.
final class FaultableCache: ReadCache {
    let inner: LRUCache
    var isDown = false
    /// Lookups that found the cache unreachable.
    private(set) var unreachableLookups = 0

    init(_ inner: LRUCache) { self.inner = inner }

    func get(_ key: CacheKey) -> EntitySnapshot? {
        if isDown { unreachableLookups += 1; return nil }
        return inner.get(key)
    }

    func put(_ key: CacheKey, _ value: EntitySnapshot, asOfMicros: Int64) -> CachePutOutcome {
        if isDown { return .refusedTooOld }
        return inner.put(key, value, asOfMicros: asOfMicros)
    }

    func invalidate(tenantID: Int64, entityIDs: some Sequence<Int64>) {
        guard !isDown else { return }
        inner.invalidate(tenantID: tenantID, entityIDs: entityIDs)
    }

    func invalidate(_ entities: [TenantEntity]) {
        guard !isDown else { return }
        inner.invalidate(entities)
    }

    var counters: CacheCounters { inner.counters }
}
