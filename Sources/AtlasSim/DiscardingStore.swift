import AtlasCore
import AtlasStorage

/// A store that keeps nothing but counts and the flushed offset: it lets a benchmark
/// measure the simulator and AtlasCore's write path without any store's own cost.
/// Queries answer empty. Not a conforming store for correctness purposes.
public final class DiscardingStore: TelemetryStore {
    public let name = "discard"
    private var staged = 0
    private var highestStaged: Int64 = 0
    private var flushed: Int64 = 0

    public init() {}

    public func install(catalog: Catalog) throws {}
    public func stage(_ records: [LogRecord]) throws {
        staged += records.count
        if let last = records.last { highestStaged = Swift.max(highestStaged, last.offset) }
    }
    public func stagedCount() throws -> Int { staged }
    public func clearStaging() throws { staged = 0 }
    public func flush() throws -> FlushResult {
        var r = FlushResult()
        r.rowsTaken = staged
        r.rowsInserted = staged
        staged = 0
        flushed = Swift.max(flushed, highestStaged)
        r.flushedThroughOffset = flushed
        return r
    }
    public func flushedOffset() throws -> Int64 { flushed }
    /// Always unknown: ownership is not tracked here.
    public func entityOwner(_ entityID: Int64) throws -> Int64? { nil }
    public func findEntities(_ query: HotQuery) throws -> [HotQueryRow] { [] }
    public func attributeDistribution(_ query: DistributionQuery) throws -> [DistributionRow] { [] }
    public func hotAttributes(tenantID: Int64, entityID: Int64) throws -> EntitySnapshot? { nil }
    public func history(_ query: HistoryQuery) throws -> [HistoryPoint] { [] }
    public func counts(tenantID: Int64) throws -> StoreCounts { StoreCounts(entities: 0, timeSeriesRows: 0, hotEntities: 0) }
}

extension DiscardingStore: ConcurrentStaging {
    /// Lookups read nothing staging writes.
    public var stagingEntityHeadroom: Int { Int.max / 2 }
    public func reserveStagingEntities(_ n: Int) {}
}
