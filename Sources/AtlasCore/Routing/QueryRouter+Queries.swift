/// The store queries, routed. Only the point lookup uses the cache: it is the one
/// answer the write path can invalidate by (tenant, entity).
extension QueryRouter {
    /// One entity's hot attributes. Eventual reads go cache-aside: a hit is answered
    /// from the cache (lag 0, see `ReadCache`); a miss reads the routed source and fills
    /// the cache with the answer as of that source's replay position.
    public func hotAttributes(tenantID: Int64, entityID: Int64, options: ReadOptions = .eventual,
                              executor: any ReadExecutor) throws -> RoutedRead<EntitySnapshot?> {
        let read = { (source: any ReadSource) in
            try executor.store(for: source).hotAttributes(tenantID: tenantID, entityID: entityID)
        }
        guard options.consistency == .eventual, let cache else {
            return try self.read(options, cacheStatus: .bypass, read)
        }
        let key = CacheKey(tenantID: tenantID, entityID: entityID)
        let now = clock.nowMicros
        // A hit reflects every invalidated commit up to now, so it satisfies any
        // read-your-writes time up to now and any maxLagSeconds.
        let canUseCache = options.writtenAtMicros.map { $0 <= now } ?? true
        if canUseCache {
            _ = try options.maxLagMicros()  // refuse a bad request before counting it
            if let hit = cache.get(key) {
                count(.eventual)
                counters.cacheHits += 1
                counters.countRead(bySource: config.cacheSourceName)
                let meta = FreshnessMetadata(source: config.cacheSourceName, sourceKind: .cache,
                                             consistency: .eventual, lagMicros: 0, asOfMicros: now,
                                             cacheStatus: .hit, queryMicros: clock.nowMicros - now,
                                             reason: .cacheHit)
                return RoutedRead(value: hit, freshness: meta)
            }
        }
        let result = try self.read(options, cacheStatus: canUseCache ? .miss : .bypass, read)
        if let snapshot = result.value {
            cache.put(key, snapshot, asOfMicros: result.freshness.asOfMicros)
        }
        return result
    }

    /// Spec Query 1, routed.
    public func findEntities(_ query: HotQuery, options: ReadOptions = .eventual,
                             executor: any ReadExecutor) throws -> RoutedRead<[HotQueryRow]> {
        try read(options, cacheStatus: .bypass) { try executor.store(for: $0).findEntities(query) }
    }

    /// Spec Query 2, routed (normally `.analytics`).
    public func attributeDistribution(_ query: DistributionQuery, options: ReadOptions = .analytics,
                                      executor: any ReadExecutor) throws -> RoutedRead<[DistributionRow]> {
        try read(options, cacheStatus: .bypass) { try executor.store(for: $0).attributeDistribution(query) }
    }

    /// An attribute history, routed.
    public func history(_ query: HistoryQuery, options: ReadOptions = .eventual,
                        executor: any ReadExecutor) throws -> RoutedRead<[HistoryPoint]> {
        try read(options, cacheStatus: .bypass) { try executor.store(for: $0).history(query) }
    }
}
