/// The one storage protocol every backend (memory, SQLite, PostgreSQL) implements
/// and the one conformance suite checks. All queries are tenant-scoped.
public protocol TelemetryStore: AnyObject {
    /// A short name for reports ("memory", "sqlite", "postgres").
    var name: String { get }

    /// Upserts tenants and attributes (spec `tenants`, `attributes`).
    func install(catalog: Catalog) throws

    // MARK: write path

    /// Appends validated, logged records to staging (spec `entity_values_ingest`).
    func stage(_ records: [LogRecord]) throws
    /// Rows currently staged.
    func stagedCount() throws -> Int
    /// Empties staging (after a crash of an UNLOGGED staging table, before replay).
    func clearStaging() throws
    /// `stage_flush`: in ONE transaction, moves staged rows into the time series,
    /// merges hot attributes (newest wins), registers unseen entities and records
    /// the highest log offset flushed. Rows at or below the recorded offset are
    /// dropped, which makes replay idempotent.
    func flush() throws -> FlushResult
    /// Highest log offset whose reading is in the tables (0 when none).
    func flushedOffset() throws -> Int64
    /// Highest flushed offset that survives an OS crash or power loss, not only a crash of
    /// the process: the log must keep every record after it, since replay is the only way
    /// back for flushes the store may roll back. The default, `flushedOffset()`, is right
    /// for stores whose commits are durable (PostgreSQL) or that do not outlive the
    /// process (memory).
    func durableFlushedOffset() throws -> Int64
    /// The tenant that owns `entityID` among registered or staged entities.
    func entityOwner(_ entityID: Int64) throws -> Int64?
    /// The owners of many entity ids, in order (nil where unowned). A store may overlap
    /// the lookups (the memory store's are cache misses at simulator scale); the default
    /// asks `entityOwner` once per id.
    func entityOwners(_ entityIDs: [Int64]) throws -> [Int64?]

    // MARK: queries

    /// Spec Query 1: multi-attribute filter over the hot projection, newest first.
    func findEntities(_ query: HotQuery) throws -> [HotQueryRow]
    /// Spec Query 2: per-category distribution of decimal attributes over a window.
    func attributeDistribution(_ query: DistributionQuery) throws -> [DistributionRow]
    /// Point lookup of one entity's hot attributes.
    func hotAttributes(tenantID: Int64, entityID: Int64) throws -> EntitySnapshot?
    /// Time-range read of one entity's attribute history, oldest first.
    func history(_ query: HistoryQuery) throws -> [HistoryPoint]
    /// Many histories, answers in order: the same as `history` per query (the first
    /// refused query throws). A store may answer them together (the memory store scans
    /// its time series once for all of them); the default asks `history` once per query.
    func histories(_ queries: [HistoryQuery]) throws -> [[HistoryPoint]]
    /// Row counts visible to `tenantID` (tests, reports).
    func counts(tenantID: Int64) throws -> StoreCounts
}

extension TelemetryStore {
    public func durableFlushedOffset() throws -> Int64 { try flushedOffset() }

    public func entityOwners(_ entityIDs: [Int64]) throws -> [Int64?] {
        try entityIDs.map { try entityOwner($0) }
    }

    public func histories(_ queries: [HistoryQuery]) throws -> [[HistoryPoint]] {
        try queries.map { try history($0) }
    }
}

/// What one `stage_flush` did.
public struct FlushResult: Sendable, Equatable {
    /// Staged rows taken in this flush (including replays dropped as already flushed).
    public var rowsTaken: Int = 0
    /// Rows inserted into the time series.
    public var rowsInserted: Int = 0
    /// Hot cells written (newer than what the projection held).
    public var hotCellsWritten: Int = 0
    /// Hot values not applied because the projection already held a newer one (late arrivals).
    public var hotCellsSkippedAsOlder: Int = 0
    /// Entities registered by this flush.
    public var entitiesRegistered: Int = 0
    /// Highest log offset flushed so far (after this flush).
    public var flushedThroughOffset: Int64 = 0

    public init() {}
}

/// Row counts visible to one tenant.
public struct StoreCounts: Sendable, Equatable {
    public var entities: Int
    public var timeSeriesRows: Int
    public var hotEntities: Int
    public init(entities: Int, timeSeriesRows: Int, hotEntities: Int) {
        self.entities = entities
        self.timeSeriesRows = timeSeriesRows
        self.hotEntities = hotEntities
    }
}

/// A fault injected into `flush()` to prove atomicity: the flush fails at this point
/// and must leave staging and tables exactly as they were.
public enum FlushFaultPoint: Sendable, Equatable {
    /// After rows were moved into the time series, before the hot merge.
    case afterTimeSeriesInsert
    /// After the hot merge, before the offset is recorded.
    case beforeOffsetRecord
}

/// The error a store throws at an injected fault point.
public struct InjectedFault: Error, Equatable, CustomStringConvertible {
    public var point: FlushFaultPoint
    public init(point: FlushFaultPoint) { self.point = point }
    public var description: String { "injected fault in flush at \(point)" }
}

/// Stores that let tests inject a flush fault.
public protocol FlushFaultInjectable: AnyObject {
    /// The next flush fails at this point (then the injection clears itself).
    var injectedFlushFault: FlushFaultPoint? { get set }
}
