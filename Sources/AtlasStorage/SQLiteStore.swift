import AtlasCore
import CSQLite3
import Foundation

/// The embedded store: the spec's tables in SQLite (WAL). Staging is held in memory (lost
/// with the process, like UNLOGGED on a crash); `stage_flush` is one transaction that
/// appends to the open time-series segment (`SQLiteSegments`), registers new entities,
/// merges hot values newest-wins into `entity_jsonb` and records the flushed offset.
///
/// Threads: `stage`, `stagedCount`, `clearStaging`, `entityOwner(s)`, `flushedOffset` and
/// `durableFlushedOffset` may run on one thread while `flush` runs on another (ingest
/// overlaps the flush's transaction: `PipelinedWriter`); they share only the staging
/// state, under `stagingLock`. Everything else (flush, queries, install, seals) runs on
/// one thread at a time.
public final class SQLiteStore: TelemetryStore, FlushFaultInjectable, @unchecked Sendable {
    public let name = "sqlite"
    public var injectedFlushFault: FlushFaultPoint?
    public let path: String
    public let queryLimits: QueryLimits

    let db: SQLiteConnection
    private var sql: [String: String] = [:]
    private var prepared: [String: SQLiteStatement] = [:]
    var catalog = try! Catalog()
    /// Per hot attribute id: `"name":`, its key in the projection's JSON objects.
    private var hotPatterns: [Int64: [UInt8]] = [:]
    let segments: SQLiteSegments
    /// Guards the staging state below (`owners` … `flushed`): the one thing a flush on
    /// another thread shares with staging.
    private let stagingLock = NSLock()
    /// Owner of every registered or staged entity, loaded at open. The store is the
    /// database's single writer while open, so this map is authoritative.
    private var owners: [Int64: Int64] = [:]
    /// Entities staged but not registered yet (registered by the next flush); every
    /// other key of `owners` is registered.
    private var stagedNew: Set<Int64> = []
    /// Staging (the spec's UNLOGGED entity_values_ingest), in memory.
    private var staged: [LogRecord] = []
    /// The buffer the last flush took, emptied: staging's next buffer (no regrowth).
    private var spareStaged: [LogRecord] = []
    /// Staged rows whose entity was not registered when staged: only these register.
    private var stagedNewRows: [NewEntityRow] = []
    private typealias NewEntityRow = (offset: Int64, entityID: Int64, tenantID: Int64, entityType: String)
    /// Mirror of `flush_state.flushed_offset` (the store is the single writer).
    private var flushed: Int64 = 0
    /// Segments sealed (indexed) by this store object and the writer's wall seconds for it:
    /// the whole index build for an in-memory store, only the adoption of the finished
    /// file (`SQLiteSegmentBuilder`) for a file store.
    public private(set) var sealStats: (count: Int, seconds: Double) = (0, 0)
    /// File stores: builds segment files in the background (nil in memory).
    private var builder: SQLiteSegmentBuilder?
    private var hotMerge: SQLiteHotMerge!
    /// The last error from sealing a segment (retried after the next flush).
    public private(set) var lastSealError: Error?

    /// SQLite's `synchronous` setting for the database file. `normal` (default): commits are
    /// not fsync'd, checkpoints are; an OS crash or power loss keeps the file consistent but
    /// may roll back the flushes since the last checkpoint (their rows come back by replay
    /// from the log, as long as the log still holds them). `off`: no fsync at all; an OS
    /// crash can corrupt the file, which the log (truncated after each flush) cannot rebuild.
    /// An application crash is safe either way.
    public enum Synchronous: String, Sendable, CaseIterable { case normal = "NORMAL", off = "OFF" }

    /// Default rows per time-series segment before it is sealed and indexed.
    public static let defaultSegmentRows = 1 << 20

    /// Opens or creates the store at `path` (":memory:" for a private in-memory database).
    /// `segmentRows`: rows after which the open time-series segment is sealed (indexed).
    /// `maxOpenSegmentFiles`: sealed segment files kept open for reading at once.
    public init(path: String, synchronous: Synchronous = .normal, segmentRows: Int = SQLiteStore.defaultSegmentRows,
                queryLimits: QueryLimits = QueryLimits(), maxOpenSegmentFiles: Int = 64) throws {
        self.path = path
        self.queryLimits = queryLimits
        db = try SQLiteConnection(path: path)
        // File databases checkpoint the WAL on a background thread (SQLiteCheckpointer)
        // once it holds `checkpointBytes`: pages that many flushes re-dirty (the hot
        // projection) are copied back and fsync'd once per checkpoint, off the flush path.
        // Durability of acknowledged readings comes from the ingest log.
        try db.exec("""
            PRAGMA busy_timeout = 5000; PRAGMA temp_store = MEMORY; PRAGMA cache_size = -262144;
            PRAGMA secure_delete = FAST;
            """)
        try db.exec(try SQLResources.text("sqlite/schema.sql"), name: "sqlite/schema.sql")
        try db.exec("PRAGMA synchronous = \(synchronous.rawValue)", name: "synchronous")
        sql = try SQLResources.statements("sqlite/statements.sql")
        hotMerge = try SQLiteHotMerge(db: db)
        let isFile = path != ":memory:" && !path.isEmpty && !path.hasPrefix("file::memory:")
        let url = URL(fileURLWithPath: path)
        segments = try SQLiteSegments(db: db, sql: sql, segmentRows: max(1, segmentRows),
                                      storeFile: isFile ? (url.deletingLastPathComponent().path, url.lastPathComponent) : nil,
                                      maxOpenReaders: maxOpenSegmentFiles)
        if isFile { builder = SQLiteSegmentBuilder(storePath: path, sql: sql) }
        try loadCatalog()
        flushed = Int64(try scalar("flushed_offset"))
        let o = try stmt("load_owners")
        while try o.step() { owners[o.int64(0)] = o.int64(1) }
        o.reset()
        try? sealIfDue()
        if isFile {
            // Start from a durable state: whatever an earlier process left in the WAL is
            // copied back and synced, so everything flushed so far is durable.
            let opened = synchronous == .normal && fullCheckpoint() ? flushed : 0
            let pageSize = try scalar("page_size")
            let c = try SQLiteCheckpointer(path: path, thresholdFrames: Int32(max(256, Self.checkpointBytes / max(512, pageSize))),
                                           durableOffset: opened, synchronous: synchronous)
            c.attach(to: db)
            checkpointer = c
        }
        self.synchronous = synchronous
    }

    deinit {
        builder?.stop()
        checkpointer?.stop(detaching: db)
    }

    /// Segment files the background builder made and its wall seconds (nil in memory).
    public var segmentBuildStats: (count: Int, seconds: Double)? { builder?.stats }

    /// Fails the next background segment build before its file is renamed into place.
    public func injectSegmentBuildFault() { builder?.injectedFault = true }

    /// WAL size that wakes the background checkpoint. Each checkpoint rewrites the hot
    /// projection's pages and fsyncs, competing with the ingest log's fdatasync for the
    /// disk: measured here, 256 MB (18 checkpoints per 2M readings) beat 64 MB (40–50).
    public static let checkpointBytes = 256 << 20
    private var checkpointer: SQLiteCheckpointer?
    private var synchronous: Synchronous = .normal
    /// Background WAL checkpoints run so far and their wall seconds (nil for in-memory stores).
    public var checkpointStats: (count: Int, seconds: Double)? {
        checkpointer?.stats
    }

    func stmt(_ name: String) throws -> SQLiteStatement {
        if let s = prepared[name] { return s }
        guard let text = sql[name] else {
            throw SQLiteError(code: SQLITE_MISUSE, message: "no statement named \(name)", statement: name)
        }
        let s = try db.prepare(text, name: name)
        prepared[name] = s
        return s
    }

    func scalar(_ name: String, _ binds: (SQLiteStatement) -> Void = { _ in }) throws -> Int {
        let s = try stmt(name)
        defer { s.reset() }
        binds(s)
        return try s.step() ? Int(s.int64(0)) : 0
    }

    private func loadCatalog() throws {
        var c = try Catalog()
        let ts = try db.prepare("SELECT tenant_id, tenant_name, is_active FROM tenants ORDER BY tenant_id", name: "load_tenants")
        while try ts.step() { try c.add(Tenant(id: ts.int64(0), name: ts.string(1) ?? "", isActive: ts.int64(2) != 0)) }
        let at = try db.prepare("SELECT attribute_id, attribute_name, data_type, is_hot FROM attributes ORDER BY attribute_id", name: "load_attributes")
        while try at.step() {
            guard let t = DataType(rawValue: at.string(2) ?? "") else { continue }
            try c.add(Attribute(id: at.int64(0), name: at.string(1) ?? "", dataType: t, isHot: at.int64(3) != 0))
        }
        catalog = c
        hotPatterns = [:]
        for a in c.attributes.values where a.isHot { hotPatterns[a.id] = FlatJSONSplice.pattern(quotedName: JSON.quote(a.name)) }
    }

    public func install(catalog newCatalog: Catalog) throws {
        try db.transaction {
            let t = try stmt("upsert_tenant")
            for x in newCatalog.sortedTenants {
                t.bind(1, x.id); t.bind(2, x.name); t.bind(3, Int64(x.isActive ? 1 : 0))
                try t.run()
            }
            let a = try stmt("upsert_attribute")
            for x in newCatalog.sortedAttributes {
                a.bind(1, x.id); a.bind(2, x.name); a.bind(3, x.dataType.rawValue); a.bind(4, Int64(x.isHot ? 1 : 0))
                try a.run()
            }
        }
        try loadCatalog()
    }

    // MARK: write path

    public func stage(_ records: [LogRecord]) throws {
        for r in records where catalog.attributes[r.attributeID] == nil {
            throw SQLiteError(code: SQLITE_CONSTRAINT, message: "attribute \(r.attributeID) not installed", statement: "stage")
        }
        stagingLock.lock()
        defer { stagingLock.unlock() }
        staged.append(contentsOf: records)
        for r in records {
            // A row registers its entity when the entity was unregistered when staged.
            if owners[r.entityID] == nil {
                owners[r.entityID] = r.tenantID
                stagedNew.insert(r.entityID)
            } else if stagedNew.isEmpty || !stagedNew.contains(r.entityID) {
                continue
            }
            stagedNewRows.append((r.offset, r.entityID, r.tenantID, r.entityType))
        }
    }

    public func stagedCount() throws -> Int { locked { staged.count } }

    public func clearStaging() throws {
        stagingLock.lock()
        defer { stagingLock.unlock() }
        staged.removeAll()
        stagedNewRows.removeAll()
        for e in stagedNew { owners[e] = nil }
        stagedNew.removeAll()
    }

    public func flushedOffset() throws -> Int64 { locked { flushed } }

    private func locked<T>(_ body: () -> T) -> T {
        stagingLock.lock()
        defer { stagingLock.unlock() }
        return body()
    }

    /// With `synchronous = normal` a flush is durable once a checkpoint has copied it into
    /// the database file and synced it; until then an OS crash may roll it back, so the
    /// log keeps its readings. In-memory databases and `synchronous = off` (no durability
    /// claimed; see `Synchronous`) report the flushed offset.
    public func durableFlushedOffset() throws -> Int64 {
        let f = locked { flushed }
        guard synchronous == .normal, let c = checkpointer else { return f }
        return min(f, c.durableOffset)
    }

    /// Checkpoints the whole WAL into the database file now and syncs it: everything
    /// flushed so far becomes durable (and the log may drop it). For shutdown and tests.
    /// - Returns: whether every WAL frame was copied back (false when readers hold it).
    @discardableResult
    public func checkpointNow() -> Bool {
        guard fullCheckpoint() else { return false }
        checkpointer?.noteDurable(locked { flushed })
        return true
    }

    /// A TRUNCATE checkpoint on the writer's connection; true when it backfilled the whole WAL.
    private func fullCheckpoint() -> Bool {
        var logFrames: Int32 = -1, checkpointed: Int32 = -1
        let rc = sqlite3_wal_checkpoint_v2(db.handle, nil, SQLITE_CHECKPOINT_TRUNCATE, &logFrames, &checkpointed)
        return rc == SQLITE_OK && checkpointed == logFrames
    }

    public func entityOwner(_ entityID: Int64) throws -> Int64? {
        locked { owners[entityID] }
    }

    public func entityOwners(_ entityIDs: [Int64]) throws -> [Int64?] {
        locked { entityIDs.map { owners[$0] } }
    }

    /// The rows of `staged` above `after`, in ascending offset order, one per offset.
    private func rowsToFlush(_ staged: [LogRecord], after f: Int64) -> [LogRecord] {
        var ascending = true
        var prev = Int64.min
        for r in staged {
            if r.offset <= prev { ascending = false; break }
            prev = r.offset
        }
        if ascending {
            guard let i = staged.firstIndex(where: { $0.offset > f }) else { return [] }
            return i == 0 ? staged : Array(staged[i...])
        }
        // Out of order or repeated offsets (a replay staged twice): first staged copy wins.
        var seen = Set<Int64>()
        var out: [LogRecord] = []
        for r in staged where r.offset > f && seen.insert(r.offset).inserted { out.append(r) }
        out.sort { $0.offset < $1.offset }
        return out
    }

    public func flush() throws -> FlushResult {
        // Take staging whole; rows staged from now on (another thread may stage during the
        // transaction) wait for the next flush. A failed flush puts its rows back in front.
        stagingLock.lock()
        let f = flushed
        var taken: [LogRecord] = []
        swap(&taken, &staged)
        swap(&staged, &spareStaged)
        let takenNewRows = stagedNewRows
        stagedNewRows.removeAll()
        stagingLock.unlock()
        var rows = rowsToFlush(taken, after: f)
        let maxStaged = taken.reduce(f) { max($0, $1.offset) }
        var r = FlushResult()
        r.rowsTaken = taken.count
        var segment: SQLiteSegment?
        do {
            try db.transaction {
                r.entitiesRegistered = try registerEntities(takenNewRows, after: f)
                if !rows.isEmpty {
                    let open = try segments.openSegment(firstOffset: rows[0].offset)
                    segment = try segments.append(rows[...], to: open)
                }
                r.rowsInserted = rows.count
                try checkFault(.afterTimeSeriesInsert)
                (r.hotCellsWritten, r.hotCellsSkippedAsOlder) = try mergeHot(rows)
                try checkFault(.beforeOffsetRecord)
                let o = try stmt("record_offset")
                o.bind(1, maxStaged)
                try o.run()
            }
        } catch {
            // The transaction rolled back: a segment it created is gone too.
            try? segments.reload()
            stagingLock.lock()
            staged = taken + staged
            stagedNewRows = takenNewRows + stagedNewRows
            stagingLock.unlock()
            throw error
        }
        if let segment { segments.commit(segment) }
        stagingLock.lock()
        flushed = maxStaged
        // Registered now. (A row staged meanwhile for one of them registers it again at
        // the next flush, which inserts nothing.)
        for e in takenNewRows { stagedNew.remove(e.entityID) }
        stagingLock.unlock()
        r.flushedThroughOffset = maxStaged
        // Keep the buffer for staging after the next flush (`rows` may share it).
        rows = []
        taken.removeAll(keepingCapacity: true)
        spareStaged = taken
        try? sealIfDue()
        return r
    }

    /// Seals segments that reached their row budget. A file store adopts the segment files
    /// the background builder finished and queues the rest; an in-memory store builds the
    /// index in place. A failure is kept in `lastSealError` and retried after the next
    /// flush (the flush itself committed; an unsealed segment is read by a scan meanwhile).
    private func sealIfDue() throws {
        guard let builder else {
            for s in segments.dueForSeal { try sealStep { try segments.seal(s) } }
            return
        }
        var failure: Error?
        var failed: Set<Int64> = []
        for (job, error) in builder.takeFinished() {
            if let error { failure = error; failed.insert(job.segment.id); continue }
            guard let seg = segments.all.first(where: { $0.id == job.segment.id && !$0.sealed }) else { continue }
            do { try sealStep { try segments.adopt(seg, file: try segments.fileName(for: seg.id)) } } catch { failure = error }
        }
        // A build that just failed is retried after the next flush, not in a loop.
        for s in segments.dueForSeal where !failed.contains(s.id) {
            builder.submit(.init(segment: s, path: try segments.path(of: try segments.fileName(for: s.id))))
        }
        if let failure {
            lastSealError = failure
            throw failure
        }
    }

    private func sealStep(_ body: () throws -> Void) throws {
        do {
            let t0 = DispatchTime.now().uptimeNanoseconds
            try body()
            sealStats.count += 1
            sealStats.seconds += Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
            lastSealError = nil
        } catch {
            lastSealError = error
            try? segments.reload()
            throw error
        }
    }

    /// Sealed segment files open for reading now (at most `maxOpenSegmentFiles`).
    public var openSegmentFileCount: Int { segments.openReaderCount }

    /// Waits for the background segment builds in progress and adopts them (shutdown and
    /// tests); throws the last seal failure.
    public func finishSeals() throws {
        try sealIfDue()
        builder?.waitIdle()
        try sealIfDue()
        // What the second call queued (a retry) is left to the next flush.
    }

    private func registerEntities(_ stagedNewRows: [NewEntityRow], after f: Int64) throws -> Int {
        guard !stagedNewRows.isEmpty else { return 0 }
        // The earliest staged row of each entity names its type; inserted in id order.
        var first: [Int64: Int] = [:]
        for (i, e) in stagedNewRows.enumerated() where e.offset > f {
            if let j = first[e.entityID], stagedNewRows[j].offset < e.offset { continue }
            first[e.entityID] = i
        }
        let s = try stmt("register_entity")
        var n = 0
        for (entity, i) in first.sorted(by: { $0.key < $1.key }) {
            let e = stagedNewRows[i]
            s.bind(1, entity); s.bind(2, e.tenantID); s.bind(3, e.entityType)
            try s.run()
            n += db.changes
        }
        return n
    }

    private struct HotCell: Hashable { var entityID: Int64; var attributeID: Int64 }

    /// Newest-wins merge of this flush's hot values into `entity_jsonb`: per (entity,
    /// attribute) the newest staged value by (ingested_at, offset), written only when it is
    /// newer than the cell's key in `attr_ts`. Returns (written, skipped as older).
    private func mergeHot(_ rows: [LogRecord]) throws -> (Int, Int) {
        var best: [HotCell: Int] = [:]
        for (i, r) in rows.enumerated() where hotPatterns[r.attributeID] != nil {
            let k = HotCell(entityID: r.entityID, attributeID: r.attributeID)
            if let j = best[k] {
                let o = rows[j]
                if LogRecord.isNewer(ingestedAtMicros: r.ingestedAtMicros, offset: r.offset,
                                     than: o.ingestedAtMicros, offset: o.offset) { best[k] = i }
            } else {
                best[k] = i
            }
        }
        guard !best.isEmpty else { return (0, 0) }
        // Entity order: neighbouring updates share B-tree pages.
        let winners = best.values.sorted { (rows[$0].entityID, rows[$0].attributeID) < (rows[$1].entityID, rows[$1].attributeID) }
        let up = try stmt("projection_upsert")
        var written = 0
        var i = 0
        var attrs: [UInt8] = [], keys: [UInt8] = [], cells: [UInt8] = []
        while i < winners.count {
            let entity = rows[winners[i]].entityID
            var j = i
            while j < winners.count, rows[winners[j]].entityID == entity { j += 1 }
            // The objects of a new row (distinct attributes: no splice needed) and the cells.
            attrs.removeAll(keepingCapacity: true); keys.removeAll(keepingCapacity: true); cells.removeAll(keepingCapacity: true)
            attrs.append(0x7B); keys.append(0x7B)
            var newest = Int64.min
            for w in winners[i..<j] {
                let rec = rows[w]
                let pattern = hotPatterns[rec.attributeID]!
                let key = FlatJSONSplice.cellKey(rec.ingestedAtMicros, rec.offset)
                let value = Array(rec.value.jsonLiteral.utf8)
                if attrs.count > 1 { attrs.append(0x2C); keys.append(0x2C) }
                attrs += pattern; attrs += value
                keys += pattern; keys += key
                SQLiteHotMerge.appendCell(&cells, pattern: pattern, key: key, value: value)
                newest = max(newest, rec.ingestedAtMicros)
            }
            attrs.append(0x7D); keys.append(0x7D)
            let conflicts = hotMerge.conflicts, before = hotMerge.written
            up.bind(1, entity); up.bind(2, utf8: attrs); up.bind(3, utf8: keys); up.bind(4, newest)
            up.bind(5, rows[winners[i]].tenantID); up.bind(6, blob: cells)
            try up.run()
            // No conflict: a new row with every cell; otherwise what the merge wrote.
            written += hotMerge.conflicts == conflicts ? j - i : hotMerge.written - before
            i = j
        }
        return (written, winners.count - written)
    }

    private func checkFault(_ point: FlushFaultPoint) throws {
        if injectedFlushFault == point {
            injectedFlushFault = nil
            throw InjectedFault(point: point)
        }
    }
}

