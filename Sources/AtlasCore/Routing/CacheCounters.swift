/// Cache counters (spec target: hit ratio above 90 %).
public struct CacheCounters: Sendable, Equatable {
    public var hits = 0
    public var misses = 0
    /// Entries dropped to stay within the entry or byte budget (allkeys-lru).
    public var evictions = 0
    /// Entries removed by the write path's invalidation hook.
    public var invalidations = 0
    /// Entries found past their TTL (counted as misses too).
    public var expirations = 0
    public var fills = 0
    /// Fills refused (see `CachePutOutcome`).
    public var refusedFills = 0

    public init() {}

    /// hits / (hits + misses), or 0 before any lookup.
    public var hitRatio: Double {
        let n = hits + misses
        return n == 0 ? 0 : Double(hits) / Double(n)
    }
}
