/// The front of the write path: validate → append to the durable log → acknowledge →
/// stage. Synchronous and clock-injected; the driver calls it.
public final class Ingestor {
    public let log: any IngestLog
    public let store: any TelemetryStore
    public private(set) var validator: Validator
    private let clock: any Clock

    /// Rejected readings by reason.
    public private(set) var rejections = RejectionCounters()
    /// Readings acknowledged (durably logged) since this ingestor was made.
    public private(set) var acknowledgedCount: Int = 0
    /// Highest offset handed to staging. Staging may lag the log after a staging
    /// failure; `catchUpStaging()` closes the gap from the log.
    public private(set) var stagedThroughOffset: Int64

    public init(validator: Validator, log: any IngestLog, store: any TelemetryStore, clock: any Clock) throws {
        self.validator = validator
        self.log = log
        self.store = store
        self.clock = clock
        self.stagedThroughOffset = log.nextOffset - 1
    }

    /// Validates, logs and stages a batch. Returns once the log holds every accepted
    /// reading (the acknowledgement). Rejected readings are reported and counted and
    /// never reach the log or a table.
    /// - Throws: only when the log append fails; then nothing in the batch is acknowledged.
    @discardableResult
    public func ingest(_ readings: [Reading]) throws -> IngestAck {
        let now = clock.nowMicros
        var accepted: [LogRecord] = []
        accepted.reserveCapacity(readings.count)
        var rejected: [ValidationError] = []
        // Claims made earlier in this same batch (not yet visible to the store).
        var batchOwners = BatchOwnerTable(maxEntries: readings.count)
        // One reference to the validator for the loop: reading the stored property per
        // reading copies the struct (retain/release of every table in it).
        let validator = self.validator
        // (Field reads through the buffer: iterating `readings` copies each reading,
        // retaining its strings.)
        let ids = readings.withUnsafeBufferPointer { buf in buf.indices.map { buf[$0].entityID } }
        // One batched lookup: the store can overlap what would otherwise be one cache
        // miss per reading at simulator scale.
        let owners: [Int64?] = try store.entityOwners(ids)
        for i in readings.indices {
            let entityID = ids[i]
            let owner = owners[i] ?? batchOwners[entityID]
            do {
                let rec = try validator.validate(readings[i], index: i, nowMicros: now, owner: owner)
                if owner == nil { batchOwners.insert(entityID, tenant: rec.tenantID) }
                accepted.append(rec)
            } catch {
                // validate throws only ValidationError (typed throws)
                rejections.record(error.reason)
                rejected.append(error)
            }
        }
        guard !accepted.isEmpty else {
            return IngestAck(acceptedCount: 0, offsets: nil, rejections: rejected)
        }
        let logged = try log.append(accepted)
        acknowledgedCount += logged.count
        let offsets = logged.first!.offset...logged.last!.offset
        // Staging after the ack: a failure here loses nothing (the log has it); the
        // gap is closed by catchUpStaging() before the next flush.
        if stagedThroughOffset == offsets.lowerBound - 1 {
            do {
                try store.stage(logged)
                stagedThroughOffset = offsets.upperBound
                noteStaged(logged)
            } catch {
                stagingFailures += 1
            }
        }
        return IngestAck(acceptedCount: logged.count, offsets: offsets, rejections: rejected)
    }

    /// Staging calls that failed after the acknowledgement (closed later from the log).
    public private(set) var stagingFailures: Int = 0

    /// When true, the ingestor remembers which (tenant, entity) pairs had hot values
    /// staged, so the flusher can tell a cache which keys a flush changed.
    public var tracksHotEntities = false
    private var pendingHotEntities: [TenantEntity] = []  // with repeats; sorted when taken

    private func noteStaged(_ records: [LogRecord]) {
        guard tracksHotEntities else { return }
        let validator = self.validator // one copy, not one per record
        for r in records where validator.isHot(r.attributeID) {
            pendingHotEntities.append(TenantEntity(tenantID: r.tenantID, entityID: r.entityID))
        }
    }

    /// The hot (tenant, entity) pairs staged since the last call, each once, ordered by
    /// tenant then entity; the flusher takes them after a committed flush.
    public func takePendingHotEntities() -> [TenantEntity] {
        defer { pendingHotEntities.removeAll(keepingCapacity: true) }
        guard !pendingHotEntities.isEmpty else { return [] }
        pendingHotEntities.sort()
        var out: [TenantEntity] = []
        out.reserveCapacity(pendingHotEntities.count)
        for e in pendingHotEntities where out.last != e { out.append(e) }
        return out
    }

    /// Stages every logged record not yet staged. Returns how many were staged.
    @discardableResult
    public func catchUpStaging(batchSize: Int = 10_000) throws -> Int {
        var n = 0
        while stagedThroughOffset < log.nextOffset - 1 {
            let batch = try log.read(from: stagedThroughOffset + 1, maxCount: batchSize)
            guard let last = batch.last else { break }
            try store.stage(batch)
            stagedThroughOffset = last.offset
            noteStaged(batch)
            n += batch.count
        }
        return n
    }

    /// Crash recovery: empties staging and re-stages everything the log holds past the
    /// store's recorded flush offset. Idempotent with `stage_flush`. Returns records restaged.
    @discardableResult
    public func recover() throws -> Int {
        try store.clearStaging()
        stagedThroughOffset = try store.flushedOffset()
        return try catchUpStaging()
    }
}

/// The acknowledgement of one ingest call.
public struct IngestAck: Sendable, Equatable {
    /// Readings durably logged.
    public var acceptedCount: Int
    /// Log offsets assigned to the accepted readings (consecutive), nil if none.
    public var offsets: ClosedRange<Int64>?
    /// Rejected readings with their batch index and reason.
    public var rejections: [ValidationError]
}

/// A tenant-qualified entity id (cache keys, invalidation); ordered by tenant, then entity.
public struct TenantEntity: Hashable, Sendable, Comparable {
    public var tenantID: Int64
    public var entityID: Int64
    public init(tenantID: Int64, entityID: Int64) {
        self.tenantID = tenantID
        self.entityID = entityID
    }

    public static func < (a: TenantEntity, b: TenantEntity) -> Bool {
        a.tenantID != b.tenantID ? a.tenantID < b.tenantID : a.entityID < b.entityID
    }
}
