import AtlasCore

/// Wraps a store and adds up the wall time of its write-path calls, to show where a
/// simulated run's real time goes. The clock is injected (the benchmark passes a
/// monotonic wall clock), so AtlasSim itself never reads one.
public final class TimedStore: TelemetryStore {
    /// Seconds and calls per write-path operation.
    public struct Totals: Sendable, Equatable {
        public var stageSeconds = 0.0, stageCalls = 0
        public var flushSeconds = 0.0, flushCalls = 0
        public var entityOwnerSeconds = 0.0, entityOwnerCalls = 0
        public var otherSeconds = 0.0
    }

    public let inner: any TelemetryStore
    private let nowSeconds: () -> Double
    public private(set) var totals = Totals()

    public init(_ inner: any TelemetryStore, nowSeconds: @escaping () -> Double) {
        self.inner = inner
        self.nowSeconds = nowSeconds
    }

    public var name: String { inner.name }

    private func timed<T>(_ add: (inout Totals, Double) -> Void, _ body: () throws -> T) rethrows -> T {
        let t0 = nowSeconds()
        defer { add(&totals, nowSeconds() - t0) }
        return try body()
    }

    public func install(catalog: Catalog) throws { try inner.install(catalog: catalog) }
    public func stage(_ records: [LogRecord]) throws {
        try timed({ $0.stageSeconds += $1; $0.stageCalls += 1 }) { try inner.stage(records) }
    }
    public func stagedCount() throws -> Int { try timed({ $0.otherSeconds += $1 }) { try inner.stagedCount() } }
    public func clearStaging() throws { try inner.clearStaging() }
    public func flush() throws -> FlushResult {
        try timed({ $0.flushSeconds += $1; $0.flushCalls += 1 }) { try inner.flush() }
    }
    public func flushedOffset() throws -> Int64 { try inner.flushedOffset() }
    public func durableFlushedOffset() throws -> Int64 { try inner.durableFlushedOffset() }
    public func entityOwner(_ entityID: Int64) throws -> Int64? {
        try timed({ $0.entityOwnerSeconds += $1; $0.entityOwnerCalls += 1 }) { try inner.entityOwner(entityID) }
    }
    public func entityOwners(_ entityIDs: [Int64]) throws -> [Int64?] {
        try timed({ $0.entityOwnerSeconds += $1; $0.entityOwnerCalls += entityIDs.count }) { try inner.entityOwners(entityIDs) }
    }
    public func findEntities(_ query: HotQuery) throws -> [HotQueryRow] { try inner.findEntities(query) }
    public func attributeDistribution(_ query: DistributionQuery) throws -> [DistributionRow] { try inner.attributeDistribution(query) }
    public func hotAttributes(tenantID: Int64, entityID: Int64) throws -> EntitySnapshot? {
        try timed({ $0.otherSeconds += $1 }) { try inner.hotAttributes(tenantID: tenantID, entityID: entityID) }
    }
    public func history(_ query: HistoryQuery) throws -> [HistoryPoint] { try inner.history(query) }
    public func histories(_ queries: [HistoryQuery]) throws -> [[HistoryPoint]] { try inner.histories(queries) }
    public func counts(tenantID: Int64) throws -> StoreCounts { try inner.counts(tenantID: tenantID) }
}
