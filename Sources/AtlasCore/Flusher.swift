/// Runs `stage_flush` on an interval or when staging reaches a batch size, and lets
/// the log discard what is safely flushed. The driver calls `tick()`.
public final class Flusher {
    public struct Config: Sendable, Equatable {
        public var intervalMs: Int64
        /// Flush early once this many rows are staged.
        public var maxBatchRows: Int
        public init(intervalMs: Int64 = 100, maxBatchRows: Int = 50_000) {
            self.intervalMs = intervalMs
            self.maxBatchRows = maxBatchRows
        }
    }

    public let config: Config
    private let ingestor: Ingestor
    private let clock: any Clock
    public private(set) var lastFlushMicros: Int64
    public private(set) var flushCount = 0
    public private(set) var failedFlushCount = 0
    public private(set) var totals = FlushResult()

    /// Called after each committed flush with the hot entities it may have changed (when
    /// the ingestor tracks them; each once, by tenant then entity): the hook that
    /// invalidates cache keys and tells the lag monitor about the primary's commit.
    public var onCommit: ((FlushResult, [TenantEntity]) -> Void)?

    /// Wraps the call of the store's `flush()` (nil: called directly). A driver that
    /// stages from another thread while the store flushes (`SQLiteStore` allows it)
    /// releases its own lock here, so ingest runs during the flush's transaction.
    public var aroundStoreFlush: ((() throws -> FlushResult) throws -> FlushResult)?

    public init(ingestor: Ingestor, clock: any Clock, config: Config = Config()) {
        self.ingestor = ingestor
        self.clock = clock
        self.config = config
        self.lastFlushMicros = clock.nowMicros
    }

    /// When the next interval flush is due.
    public var nextDueMicros: Int64 { lastFlushMicros + config.intervalMs * 1000 }

    /// Flushes if the interval elapsed or the batch size is reached; nil otherwise.
    public func tick() throws -> FlushResult? {
        if clock.nowMicros < nextDueMicros {
            guard try ingestor.store.stagedCount() >= config.maxBatchRows else { return nil }
        }
        return try flushNow()
    }

    /// Flushes now: closes any staging gap from the log, runs `stage_flush`, then lets
    /// the log drop what the store holds durably.
    @discardableResult
    public func flushNow() throws -> FlushResult {
        lastFlushMicros = clock.nowMicros
        let r: FlushResult
        do {
            try ingestor.catchUpStaging()
            let store = ingestor.store
            r = try aroundStoreFlush.map { try $0 { try store.flush() } } ?? store.flush()
        } catch {
            failedFlushCount += 1
            throw error
        }
        flushCount += 1
        totals.rowsTaken += r.rowsTaken
        totals.rowsInserted += r.rowsInserted
        totals.hotCellsWritten += r.hotCellsWritten
        totals.hotCellsSkippedAsOlder += r.hotCellsSkippedAsOlder
        totals.entitiesRegistered += r.entitiesRegistered
        totals.flushedThroughOffset = r.flushedThroughOffset
        // Only what the store holds durably may leave the log (a store may keep recent
        // flushes in a WAL that an OS crash rolls back; replay brings them back).
        try ingestor.log.truncate(before: try ingestor.store.durableFlushedOffset() + 1)
        onCommit?(r, ingestor.takePendingHotEntities())
        return r
    }
}
