/// Decides which source serves each read (spec Part B §3 "Lag Budget Enforcement" and
/// §5 "READ PATH"), runs it through a closure or a `ReadExecutor`, and attaches
/// `FreshnessMetadata`.
///
/// - strong → the primary.
/// - eventual → the cache (point lookups, `hotAttributes`), then a replica by measured
///   lag: below the target (3 s) it is used; below the max (5 s) it is used with a
///   warning; at or above the max it is skipped. Among replicas below the target the
///   router rotates (spreads load); otherwise it takes the lowest lag. If every replica is
///   skipped the read goes to the primary and counts as a `CircuitBreaker` failure.
/// - analytics → the OLAP store, with a warning beyond 15 min.
/// - read-your-writes (`ReadOptions.writtenAtMicros`): only a source that has replayed
///   the write may serve it, else the primary.
/// - `ReadOptions.maxLagSeconds`: sources lagging more are passed over within the level's
///   fallback chain (eventual: cache, replicas, primary; analytics: OLAP only); if the
///   chain has none, the read fails with `ReadRoutingError.maxLagExceeded`.
///
/// Lag is always `now - replayedThrough` as the source reports it: an upper bound, so a
/// read admitted under a lag limit is really within it.
public final class QueryRouter {
    public struct Config: Sendable, Equatable {
        /// Replicas below this lag are used without a warning (spec: 3 s).
        public var replicaTargetLagMicros: Int64
        /// Replicas at or above this lag are skipped (spec: 5 s).
        public var replicaMaxLagMicros: Int64
        /// OLAP answers lagging more than this carry a warning (spec: 15 min).
        public var olapMaxLagMicros: Int64
        /// The source name reported for cache hits.
        public var cacheSourceName: String

        public init(replicaTargetLagMicros: Int64 = 3_000_000, replicaMaxLagMicros: Int64 = 5_000_000,
                    olapMaxLagMicros: Int64 = 15 * 60 * 1_000_000, cacheSourceName: String = "cache") {
            precondition(0 <= replicaTargetLagMicros && replicaTargetLagMicros <= replicaMaxLagMicros,
                         "QueryRouter.Config: need 0 <= target <= max replica lag")
            self.replicaTargetLagMicros = replicaTargetLagMicros
            self.replicaMaxLagMicros = replicaMaxLagMicros
            self.olapMaxLagMicros = olapMaxLagMicros
            self.cacheSourceName = cacheSourceName
        }
    }

    /// A routing decision before execution.
    struct Route {
        var source: any ReadSource
        var lagMicros: Int64
        var asOfMicros: Int64
        var reason: RouteReason
        var warnings: [FreshnessWarning] = []
        /// The outcome of running it tells the breaker something (a replica read).
        var reportsToBreaker = false
    }

    public let config: Config
    /// The primary; replace it on failover.
    public var primary: any ReadSource
    /// Replicas in preference order; replace the set on failover or rebuild.
    public var replicas: [any ReadSource]
    public var olap: (any ReadSource)?
    public let cache: (any ReadCache)?
    public let breaker: CircuitBreaker
    let clock: any Clock
    public internal(set) var counters = RouterCounters()
    /// Rotation among replicas below the target lag.
    var rotation = 0

    public init(clock: any Clock, primary: any ReadSource, replicas: [any ReadSource] = [],
                olap: (any ReadSource)? = nil, cache: (any ReadCache)? = nil,
                breaker: CircuitBreaker? = nil, config: Config = Config()) {
        self.clock = clock
        self.primary = primary
        self.replicas = replicas
        self.olap = olap
        self.cache = cache
        self.breaker = breaker ?? CircuitBreaker(clock: clock)
        self.config = config
    }

    /// Routes one read and runs `body` against the chosen source. A replica that throws
    /// counts as a breaker failure and the read is retried on the primary, except for a
    /// `QueryError` (any source would refuse it) or a `ReadRoutingError` (configuration),
    /// which propagate. Does not consult the cache.
    public func read<T>(_ options: ReadOptions, _ body: (any ReadSource) throws -> T) throws -> RoutedRead<T> {
        try read(options, cacheStatus: options.consistency == .eventual && cache != nil ? .miss : .bypass, body)
    }

    func read<T>(_ options: ReadOptions, cacheStatus: CacheStatus,
                 _ body: (any ReadSource) throws -> T) throws -> RoutedRead<T> {
        let maxLag = try options.maxLagMicros()
        count(options.consistency)
        var route = try choose(options, maxLagMicros: maxLag, nowMicros: clock.nowMicros)
        let start = clock.nowMicros
        let value: T
        do {
            value = try body(route.source)
        } catch where route.source.kind == .replica && !(error is QueryError || error is ReadRoutingError) {
            counters.replicaErrors += 1
            if route.reportsToBreaker { breaker.recordFailure() }
            route = try primaryRoute(.primaryAfterReplicaError, maxLagMicros: maxLag,
                                     consistency: options.consistency, nowMicros: clock.nowMicros)
            value = try body(route.source)
        }
        if route.reportsToBreaker { breaker.recordSuccess() }
        served(by: route.source)
        let meta = FreshnessMetadata(source: route.source.name, sourceKind: route.source.kind,
                                     consistency: options.consistency, lagMicros: route.lagMicros,
                                     asOfMicros: route.asOfMicros, cacheStatus: cacheStatus,
                                     queryMicros: clock.nowMicros - start, reason: route.reason,
                                     warnings: route.warnings)
        return RoutedRead(value: value, freshness: meta)
    }

    // MARK: counting

    func count(_ level: ConsistencyLevel) {
        counters.reads += 1
        switch level {
        case .strong: counters.strongReads += 1
        case .eventual: counters.eventualReads += 1
        case .analytics: counters.analyticsReads += 1
        }
    }

    func served(by source: any ReadSource) {
        counters.countRead(bySource: source.name)
        switch source.kind {
        case .primary: counters.primaryReads += 1
        case .replica: counters.replicaReads += 1
        case .cache: counters.cacheHits += 1
        case .olap: counters.olapReads += 1
        }
    }
}
