/// The entity cache in front of the replicas (spec: Redis, cache-aside, allkeys-lru).
///
/// Contract that makes a hit current (lag 0): the write path calls
/// `invalidate(tenantID:entityIDs:)` after every commit that changes an entity's hot
/// attributes, and `put` refuses a fill whose answer may predate such an invalidation.
/// The TTL is only a backstop.
public protocol ReadCache: AnyObject {
    /// The cached snapshot, or nil (absent or expired). Counts a hit or a miss.
    func get(_ key: CacheKey) -> EntitySnapshot?
    /// Cache-aside fill after a miss. `asOfMicros`: every primary commit at or before it
    /// is reflected in `value` (the serving source's replay position at the read).
    @discardableResult
    func put(_ key: CacheKey, _ value: EntitySnapshot, asOfMicros: Int64) -> CachePutOutcome
    /// Write-path hook: these entities' hot attributes changed in a commit that has
    /// just completed. Call it before serving further reads.
    func invalidate(tenantID: Int64, entityIDs: some Sequence<Int64>)
    /// The same for the (tenant, entity) pairs a committed flush changed
    /// (`Flusher.onCommit`); the default groups them by tenant.
    func invalidate(_ entities: [TenantEntity])
    var counters: CacheCounters { get }
}

extension ReadCache {
    public func invalidate(_ entities: [TenantEntity]) {
        var start = 0
        while start < entities.count {
            let tenant = entities[start].tenantID
            var end = start + 1
            while end < entities.count, entities[end].tenantID == tenant { end += 1 }
            invalidate(tenantID: tenant, entityIDs: entities[start..<end].lazy.map(\.entityID))
            start = end
        }
    }
}
