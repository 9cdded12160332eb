import AtlasCore
import AtlasStorage
import Foundation

/// `atlas bench write`: readings/s through validate → log → stage → flush → dual write,
/// beside a raw reference measured in the same run on the same data.
struct WriteBenchmark {
    enum StoreKind: String, CaseIterable { case memory, sqlite }

    var store: StoreKind
    var readings: Int
    var batchSize: Int
    var hotFraction: Double
    var flushIntervalMs: Int64
    var seed: UInt64
    var entities: Int64
    var sqliteSynchronous: SQLiteStore.Synchronous = .normal
    var workDirectory: String
    /// SQLite: flush on the ingest thread between batches (the single-threaded path)
    /// instead of on a flush thread (`PipelinedWriter`).
    var serialFlush = false
    /// SQLite with a flush thread: ingest waits while this many rows are staged.
    var maxStagedRows = 200_000

    struct Report {
        var pipelineReadingsPerSecond: Double
        var referenceRowsPerSecond: Double
        var referenceName: String
        /// SQLite only: the same inserts into the previous, indexed single-table layout.
        var indexedTableRowsPerSecond: Double?
        var flushP50Ms: Double
        var flushP99Ms: Double
        var flushes: Int
        var rowsInserted: Int
        var hotCellsWritten: Int
        /// Wall seconds spent in ingest calls (validate + log + stage) and in flushes.
        var ingestSeconds: Double
        var flushSeconds: Double
        /// Flushing on its own thread: the ingest thread's seconds waiting (for the lock a
        /// flush holds around the store's transaction, or for full staging); nil when serial.
        var ingestWaitSeconds: Double?
        /// Readings/s up to the last flush's commit, before waiting for the background seal.
        var readingsPerSecondToLastFlush: Double
        /// SQLite: seconds after the last flush spent waiting for background seals.
        var sealWaitSeconds: Double
        /// The flush thread's CPU seconds (nil when serial).
        var flushThreadCPUSeconds: Double?
        /// CPU seconds (user + system, all threads) of the pipeline phase; below the wall
        /// time when other processes take the cores.
        var pipelineCPUSeconds: Double = 0
        /// SQLite only: segments sealed (writer's seconds: adopting the built file), segment
        /// files built in the background, background checkpoints, and their wall seconds.
        var sqliteSeals: (count: Int, seconds: Double)?
        var sqliteSegmentBuilds: (count: Int, seconds: Double)?
        var sqliteCheckpoints: (count: Int, seconds: Double)?
    }

    func run() throws -> Report {
        let workload = SyntheticWorkload(tenants: 100, attributes: 1000, hotFraction: hotFraction, entities: entities, seed: seed)
        let catalog = try workload.catalog()
        let start = TimestampFormat.micros(year: 2025, month: 10, day: 1)
        let batches = try workload.batches(count: readings, batchSize: batchSize, startMicros: start, ratePerSecond: 10_000)

        // Reference first, on its own files, so the pipeline does not inherit warm pages.
        let (refName, refRate) = try reference(batches: batches, catalog: catalog)
        let indexedRate = store == .sqlite ? try indexedTableReference(batches: batches) : nil

        let clock = WallClock()
        let (s, log): (any TelemetryStore, any IngestLog)
        switch store {
        case .memory:
            (s, log) = (MemoryStore(), InMemoryIngestLog())
        case .sqlite:
            s = try SQLiteStore(path: workDirectory + "/pipeline.sqlite", synchronous: sqliteSynchronous)
            log = try FileSegmentLog(directory: workDirectory + "/pipeline.atlaslog")
        }
        try s.install(catalog: catalog)
        let ingestor = try Ingestor(validator: Validator(catalog: catalog), log: log, store: s, clock: clock)
        let flusher = Flusher(ingestor: ingestor, clock: clock,
                              config: .init(intervalMs: flushIntervalMs, maxBatchRows: 200_000))
        var flushMs: [Double] = []
        let cpu0 = processCPUSeconds()
        let t0 = monotonicSeconds()
        var ingestSeconds = 0.0
        var ingestWaitSeconds: Double?
        var flushThreadCPUSeconds: Double?
        if store == .sqlite && !serialFlush {
            // Ingest here, flush on the writer's thread (SQLiteStore stages during a flush).
            let writer = PipelinedWriter(ingestor: ingestor, flusher: flusher, clock: clock, maxStagedRows: maxStagedRows)
            for b in batches {
                let ack = try writer.ingest(b)
                precondition(ack.rejections.isEmpty, "synthetic workload produced rejections: \(ack.rejections.prefix(3))")
            }
            let stats = try writer.finish()
            precondition(stats.failedFlushes == 0, "a flush failed: \(String(describing: writer.flushError))")
            (flushMs, ingestSeconds, ingestWaitSeconds) = (stats.flushMs, stats.ingestSeconds, stats.ingestWaitSeconds)
            flushThreadCPUSeconds = stats.flushThreadCPUSeconds
        } else {
            for b in batches {
                let i0 = monotonicSeconds()
                let ack = try ingestor.ingest(b)
                ingestSeconds += monotonicSeconds() - i0
                precondition(ack.rejections.isEmpty, "synthetic workload produced rejections: \(ack.rejections.prefix(3))")
                let f0 = monotonicSeconds()
                if try flusher.tick() != nil { flushMs.append((monotonicSeconds() - f0) * 1000) }
            }
            let f0 = monotonicSeconds()
            try flusher.flushNow()
            flushMs.append((monotonicSeconds() - f0) * 1000)
        }
        // The run ends when the background work it caused is done too: a segment that
        // filled is built into its file and adopted (a faster pipeline must not leave
        // the seal outside the measured time).
        let lastFlushSeconds = monotonicSeconds() - t0
        try (s as? SQLiteStore)?.finishSeals()
        let elapsed = monotonicSeconds() - t0
        let cpu = processCPUSeconds() - cpu0
        precondition(flusher.totals.rowsInserted == readings, "pipeline lost readings")
        let sq = s as? SQLiteStore
        return Report(pipelineReadingsPerSecond: Double(readings) / elapsed, referenceRowsPerSecond: refRate,
                      referenceName: refName, indexedTableRowsPerSecond: indexedRate, flushP50Ms: percentile(flushMs, 0.5), flushP99Ms: percentile(flushMs, 0.99),
                      flushes: flushMs.count, rowsInserted: flusher.totals.rowsInserted,
                      hotCellsWritten: flusher.totals.hotCellsWritten, ingestSeconds: ingestSeconds,
                      flushSeconds: flushMs.reduce(0, +) / 1000, ingestWaitSeconds: ingestWaitSeconds,
                      readingsPerSecondToLastFlush: Double(readings) / lastFlushSeconds, sealWaitSeconds: elapsed - lastFlushSeconds,
                      flushThreadCPUSeconds: flushThreadCPUSeconds,
                      pipelineCPUSeconds: cpu,
                      sqliteSeals: sq?.sealStats, sqliteSegmentBuilds: sq?.segmentBuildStats, sqliteCheckpoints: sq?.checkpointStats)
    }

    /// The physical floor for each store, on the same readings.
    private func reference(batches: [[Reading]], catalog: Catalog) throws -> (String, Double) {
        switch store {
        case .memory:
            // Append rows to an array and upsert hot values in a dictionary: no validation, log or staging.
            struct Row { var e: Int64; var t: Int64; var a: Int64; var at: Int64; var v: Value }
            var rows: [Row] = []
            var hot: [Int64: Value] = [:]
            let hotIDs = Set(catalog.attributes.values.filter(\.isHot).map(\.id))
            let t0 = monotonicSeconds()
            for b in batches {
                for r in b {
                    rows.append(Row(e: r.entityID, t: r.tenantID, a: r.attributeID, at: r.ingestedAtMicros ?? 0, v: r.value))
                    if hotIDs.contains(r.attributeID) { hot[r.entityID &* 10_000 &+ r.attributeID] = r.value }
                }
            }
            let dt = monotonicSeconds() - t0
            precondition(rows.count == readings && hot.count <= readings)
            return ("raw array append + dictionary upsert", Double(readings) / dt)
        case .sqlite:
            // Plain prepared single-row INSERTs, 10k rows per transaction, into the store's own
            // time-series table (a segment: rowid = offset, no secondary index), same pragmas.
            let path = workDirectory + "/reference.sqlite"
            _ = try SQLiteStore(path: path)
            let table = "entity_values_ts_s1"
            let ddl = try SQLResources.statements("sqlite/statements.sql")["segment_create"]!
            let rate = try sqliteInserts(path: path, ddl: ddl.replacingOccurrences(of: "{table}", with: table), table: table, batches: batches)
            return ("plain prepared INSERTs into a time-series segment table", rate)
        }
    }

    /// The previous layout's floor (one table with the random-key index
    /// (tenant_id, entity_id, attribute_id, ingested_at)), for comparison.
    func indexedTableReference(batches: [[Reading]]) throws -> Double {
        let ddl = try SQLResources.statements("sqlite/statements.sql")["segment_create"]!
            .replacingOccurrences(of: "{table}", with: "entity_values_ts")
            + "; CREATE INDEX entity_values_ts_series ON entity_values_ts (tenant_id, entity_id, attribute_id, ingested_at)"
        return try sqliteInserts(path: workDirectory + "/reference-indexed.sqlite", ddl: ddl, table: "entity_values_ts", batches: batches)
    }

    private func sqliteInserts(path: String, ddl: String, table: String, batches: [[Reading]]) throws -> Double {
        let db = try SQLiteConnection(path: path)
        try db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = \(sqliteSynchronous.rawValue); PRAGMA cache_size = -262144; PRAGMA wal_autocheckpoint = 50000")
        try db.exec(ddl)
        let ins = try db.prepare("""
            INSERT INTO \(table) (log_offset, tenant_id, entity_id, attribute_id, value, value_int,
                value_decimal, value_bool, value_timestamp, ingested_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
            """, name: "reference insert")
        var offset: Int64 = 0
        let t0 = monotonicSeconds()
        try db.exec("BEGIN")
        for b in batches {
            for r in b {
                offset += 1
                ins.bind(1, offset); ins.bind(2, r.tenantID); ins.bind(3, r.entityID); ins.bind(4, r.attributeID)
                switch r.value {
                case .text(let v): ins.bind(5, v)
                case .int(let v): ins.bind(6, v)
                case .decimal(let v): ins.bind(7, v)
                case .bool(let v): ins.bind(8, Int64(v ? 1 : 0))
                case .timestamp(let m): ins.bind(9, m)
                }
                ins.bind(10, r.ingestedAtMicros ?? 0)
                try ins.run()
                if offset % 10_000 == 0 { try db.exec("COMMIT; BEGIN") }
            }
        }
        try db.exec("COMMIT")
        return Double(readings) / (monotonicSeconds() - t0)
    }
}

/// User + system CPU seconds of this process (all threads).
func processCPUSeconds() -> Double {
    var u = rusage()
    getrusage(RUSAGE_SELF.rawValue, &u)
    return Double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + Double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6
}
