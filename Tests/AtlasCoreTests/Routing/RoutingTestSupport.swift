import AtlasCore

/// A store that answers point lookups from a dictionary, for routing tests
/// (AtlasCoreTests cannot see the real stores). Other queries answer empty.
final class FakeStore: TelemetryStore {
    let name: String
    var snapshots: [CacheKey: EntitySnapshot] = [:]
    /// Reads answered by this store.
    var reads = 0
    /// When set, the next read throws it (then clears).
    var failNextRead: (any Error)?
    /// Advances this clock by `readMicros` per read (models query time).
    var clock: ManualClock?
    var readMicros: Int64 = 0

    init(name: String) { self.name = name }

    func put(tenantID: Int64, entityID: Int64, _ attributes: [String: Value], updatedAtMicros: Int64 = 0) {
        snapshots[CacheKey(tenantID: tenantID, entityID: entityID)] =
            EntitySnapshot(entityID: entityID, entityType: "device", hotAttributes: attributes,
                           updatedAtMicros: updatedAtMicros)
    }

    private func answer() throws {
        reads += 1
        clock?.advance(byMicros: readMicros)
        if let e = failNextRead {
            failNextRead = nil
            throw e
        }
    }

    func install(catalog: Catalog) throws {}
    func stage(_ records: [LogRecord]) throws {}
    func stagedCount() throws -> Int { 0 }
    func clearStaging() throws {}
    func flush() throws -> FlushResult { FlushResult() }
    func flushedOffset() throws -> Int64 { 0 }
    func entityOwner(_ entityID: Int64) throws -> Int64? { nil }
    func findEntities(_ query: HotQuery) throws -> [HotQueryRow] {
        try answer()
        return []
    }
    func attributeDistribution(_ query: DistributionQuery) throws -> [DistributionRow] {
        try answer()
        return []
    }
    func hotAttributes(tenantID: Int64, entityID: Int64) throws -> EntitySnapshot? {
        try answer()
        return snapshots[CacheKey(tenantID: tenantID, entityID: entityID)]
    }
    func history(_ query: HistoryQuery) throws -> [HistoryPoint] {
        try answer()
        return []
    }
    func counts(tenantID: Int64) throws -> StoreCounts { StoreCounts(entities: 0, timeSeriesRows: 0, hotEntities: 0) }
}

struct ConnectionLost: Error, Equatable {}

let second: Int64 = 1_000_000
let minute: Int64 = 60 * second
/// A start time far from zero, so "now - lag" never goes negative.
let t0: Int64 = 1_750_000_000 * second

/// A primary, replicas whose replay positions the test sets, an OLAP source, a cache,
/// and a store per source. Each store holds the same entity with a marker of its source.
final class RoutingWorld {
    let clock = ManualClock(nowMicros: t0)
    let primary = PrimarySource()
    let replicas: [ReportedSource]
    let olap = ReportedSource(name: "olap", kind: .olap)
    let cache: LRUCache
    let router: QueryRouter
    let stores = StoreDirectory()
    var store: [String: FakeStore] = [:]

    init(replicaCount: Int = 2, withCache: Bool = true, withOLAP: Bool = true,
         breaker: CircuitBreaker.Config = .init(), cacheConfig: LRUCache.Config = .init()) {
        replicas = (0..<replicaCount).map { ReportedSource(name: "replica-\($0 + 1)", kind: .replica) }
        cache = LRUCache(clock: clock, config: cacheConfig)
        router = QueryRouter(clock: clock, primary: primary, replicas: replicas, olap: withOLAP ? olap : nil,
                             cache: withCache ? cache : nil,
                             breaker: CircuitBreaker(clock: clock, config: breaker))
        for name in ["primary", "olap"] + replicas.map(\.name) {
            let s = FakeStore(name: name)
            s.put(tenantID: 1, entityID: 7, ["source": .text(name)])
            store[name] = s
            stores.register(s, for: name)
        }
    }

    /// Sets replica `i`'s lag (0-based) relative to now.
    func setLag(_ i: Int, micros: Int64) { replicas[i].reportedThroughMicros = clock.nowMicros - micros }
    func setOLAPLag(micros: Int64) { olap.reportedThroughMicros = clock.nowMicros - micros }

    /// An eventual read that bypasses the cache (generic path), returning the source name.
    func eventual(_ options: ReadOptions = .eventual) throws -> RoutedRead<String> {
        try router.read(options) { $0.name }
    }
}
