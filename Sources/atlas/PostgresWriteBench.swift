import AtlasCore
import AtlasStats
import AtlasStorage
import Foundation

/// `atlas bench write --store postgres`: the real write path against PostgreSQL —
/// validate → in-memory log (the spec's Kafka) → COPY into UNLOGGED staging → a
/// flusher thread calling `stage_flush` every 100 ms (time series + hot projection) —
/// beside raw COPY into `entity_values_ts` with its indexes, measured in the same run.
///
/// Runs in a fresh database (`atlas_bench_<random>`, dropped afterwards) created
/// through `url` (a superuser URL). Phases, each from empty tables:
///   1. reference: raw COPY (5,000-row batches) into entity_values_ts, flat out;
///   2. pipeline flat out (its ceiling, for the ratio to the reference);
///   3. pipeline paced at `ratePerSecond` (default 50,000/s) for `seconds`: flush
///      p50/p99 and ingest-to-visible p99.
/// Returns the printed report.
func runPostgresWriteBench(url: String, seconds: Int, ratePerSecond: Int?, hotFraction: Double,
                           batchSize: Int = 1000, flushIntervalMs: Int = 100,
                           saturationSeconds: Int = 20, seed: UInt64 = 42,
                           capacityFlushP99Ms: Double? = nil, capacityStartRate: Int = 10_000,
                           capacityStepRate: Int = 5_000, capacityStepSeconds: Int = 20) throws -> String {
    var out = ""
    func say(_ s: String) {
        print(s)
        out += s + "\n"
    }
    #if DEBUG
    say("warning: debug build; benchmark figures need `swift build -c release`")
    #endif
    say(MachineInfo.summary)
    let rate = ratePerSecond ?? 50_000
    say("bench write --store postgres: \(seconds) s at \(rate) readings/s, batch \(batchSize), \(Int(hotFraction * 100))% hot, flush every \(flushIntervalMs) ms")

    let bench = try PostgresBenchDatabase(serverURL: url, prefix: "atlas_bench")
    defer { bench.drop() }
    let workload = BenchWorkload(hotFraction: hotFraction, seed: seed)
    try PostgresSchema.apply(url: bench.ownerURL, settings: .init(entityPartitionsUpFront: 1, appPassword: bench.appPassword))
    let owner = try PostgresConnection(url: bench.ownerURL, options: .init(statementTimeoutMs: nil))
    let setupStore = try PostgresStore(config: .init(url: bench.appURL))
    try setupStore.install(catalog: workload.catalog)
    server(owner, say)
    // Steady state: the entities exist (registration of unseen ones is measured by the
    // conformance tests, not here); the writer's owner cache is warmed in bulk.
    try owner.execute(.init("bench_entities", """
        INSERT INTO atlas.entities (entity_id, tenant_id, entity_type)
        SELECT g, g % $2::bigint + 1, 'device' FROM generate_series(1, $1::bigint) g
        """), [String(workload.entityCount), String(workload.tenantCount)])
    say("pre-registered \(workload.entityCount) entities in \(workload.tenantCount) tenants")

    // 1. Reference: raw COPY into the time series.
    let refSeconds = Double(min(saturationSeconds, seconds))
    let ref = try rawCopyReference(owner: owner, workload: workload, seconds: refSeconds, batchRows: 5000)
    // The reference pays for whatever indexes the schema gives the table: name them.
    let tsIndexes = try owner.execute(.init("bench_ts_indexes", """
        SELECT string_agg(indexname, ', ' ORDER BY indexname) FROM pg_indexes
        WHERE schemaname = 'atlas' AND tablename = 'entity_values_ts'
        """)).string(0, 0) ?? "none"
    say("  reference  raw COPY into entity_values_ts (indexes: \(tsIndexes)), 5000-row batches: "
        + String(format: "%.0f rows/s over %.0f s", ref, refSeconds))
    try resetTables(owner)
    // The same rows encoded before the clock starts and sent as one COPY: what the server
    // alone takes in (the batched reference above also pays for making and encoding rows
    // on the client, and for a commit every 5,000).
    // Best of three from empty tables: one COPY is a few seconds, and a checkpoint or
    // autovacuum landing in one of them moved single readings between 63k and 106k rows/s.
    var serverRefs: [Double] = []
    for _ in 0..<3 {
        serverRefs.append(try rawCopyPreEncoded(owner: owner, workload: workload, rows: 200_000))
        try resetTables(owner)
    }
    let serverRef = serverRefs.max()!
    say(String(format: "  reference  raw COPY of 200000 pre-encoded rows in one COPY (server-bound), best of 3: %.0f rows/s (runs: %@)",
               serverRef, serverRefs.map { String(format: "%.0f", $0) }.joined(separator: ", ")))

    // 2. Pipeline flat out.
    let sat = try runPipeline(bench: bench, workload: workload, seconds: refSeconds, ratePerSecond: nil,
                              batchSize: batchSize, flushIntervalMs: flushIntervalMs)
    say(String(format: "  pipeline   flat out: %.0f readings/s acknowledged, %.0f/s visible; flush p50 %.1f ms, p99 %.1f ms (%d flushes)",
               sat.ackedPerSecond, sat.visiblePerSecond, sat.flushP50Ms, sat.flushP99Ms, sat.flushes))
    say(String(format: "  ratio      pipeline flat out / raw COPY = %.2f (%.2f of the server-bound COPY)",
               sat.visiblePerSecond / ref, sat.visiblePerSecond / serverRef))
    try resetTables(owner)

    // 3. Pipeline paced.
    let paced = try runPipeline(bench: bench, workload: workload, seconds: Double(seconds), ratePerSecond: rate,
                                batchSize: batchSize, flushIntervalMs: flushIntervalMs)
    say(String(format: "  sustained  %.0f readings/s for %.0f s (target %d/s), %.0f/s visible; backlog at end %d rows",
               paced.ackedPerSecond, paced.elapsedSeconds, rate, paced.visiblePerSecond, paced.backlogAtEnd))
    say(String(format: "  flush      %d flushes: p50 %.1f ms, p99 %.1f ms, max %.1f ms; hot cells written %d",
               paced.flushes, paced.flushP50Ms, paced.flushP99Ms, paced.flushMaxMs, paced.hotCellsWritten))
    say(String(format: "  visible    ingest-to-visible p50 %.1f ms, p99 %.1f ms", paced.visibleP50Ms, paced.visibleP99Ms))
    say(String(format: "  ratio      sustained / raw COPY = %.2f (the pipeline was paced; flat-out ratio above)",
               paced.visiblePerSecond / ref))

    // 4. Capacity at a flush bound: the highest paced rate whose flush p99 stays under it.
    if let boundMs = capacityFlushP99Ms {
        try resetTables(owner)
        say(String(format: "  capacity   paced rates for %d s each until flush p99 reaches %.0f ms:", capacityStepSeconds, boundMs))
        var best: (rate: Int, p99: Double)?
        var r = capacityStartRate
        while r <= rate {
            let step = try runPipeline(bench: bench, workload: workload, seconds: Double(capacityStepSeconds), ratePerSecond: r,
                                       batchSize: batchSize, flushIntervalMs: flushIntervalMs)
            try resetTables(owner)
            // Held: the rate was delivered (within 2 %) and the flush kept its bound.
            let held = step.ackedPerSecond >= 0.98 * Double(r) && step.flushP99Ms < boundMs
            say(String(format: "    %6d/s  acked %6.0f/s  flush p50 %7.1f ms  p99 %7.1f ms  visible p99 %7.1f ms  %@",
                       r, step.ackedPerSecond, step.flushP50Ms, step.flushP99Ms, step.visibleP99Ms, held ? "held" : "missed"))
            if !held { break }
            best = (r, step.flushP99Ms)
            r += capacityStepRate
        }
        if let best {
            say(String(format: "  capacity   %d readings/s with flush p99 %.1f ms < %.0f ms (steps of %d/s)",
                       best.rate, best.p99, boundMs, capacityStepRate))
        } else {
            say(String(format: "  capacity   no rate from %d/s held flush p99 < %.0f ms", capacityStartRate, boundMs))
        }
    }
    return out
}

private func server(_ c: PostgresConnection, _ say: (String) -> Void) {
    if let r = try? c.execute(.init("server_version", """
        SELECT version(), current_setting('shared_buffers'), current_setting('synchronous_commit'), current_setting('fsync')
        """)) {
        say("server: \(r.string(0, 0) ?? "?"); shared_buffers \(r.string(0, 1) ?? "?"), synchronous_commit \(r.string(0, 2) ?? "?"), fsync \(r.string(0, 3) ?? "?")")
    }
}

private func resetTables(_ owner: PostgresConnection) throws {
    try owner.execute(.init("bench_reset", """
        TRUNCATE atlas.entity_values_ts, atlas.entity_values_ingest, atlas.entity_jsonb
        """))
    try owner.execute(.init("bench_reset_offset", "UPDATE atlas.flush_state SET flushed_offset = 0"))
    try owner.execute(.init("bench_checkpoint", "CHECKPOINT"))
}

private func rawCopyReference(owner: PostgresConnection, workload: BenchWorkload, seconds: Double, batchRows: Int) throws -> Double {
    var gen = workload.generator(seedOffset: 99)
    let clock = WallClock()
    var offset: Int64 = 0
    var rows = 0
    let start = monotonicSeconds()
    while monotonicSeconds() - start < seconds {
        var enc = PostgresCopyEncoder()
        try owner.copyIn(PostgresCopyEncoder.timeSeriesCopy) { send in
            for _ in 0..<batchRows {
                offset += 1
                if enc.appendTimeSeries(gen.record(offset: offset, nowMicros: clock.nowMicros)) { try send(enc.take()) }
            }
            if !enc.buffer.isEmpty { try send(enc.take()) }
        }
        rows += batchRows
    }
    return Double(rows) / (monotonicSeconds() - start)
}

/// Raw COPY with the client's work done before the clock starts: `rows` readings made,
/// encoded, then sent as one COPY (rows/s).
private func rawCopyPreEncoded(owner: PostgresConnection, workload: BenchWorkload, rows: Int) throws -> Double {
    var gen = workload.generator(seedOffset: 98)
    let clock = WallClock()
    var enc = PostgresCopyEncoder()
    var chunks: [[UInt8]] = []
    for i in 0..<rows {
        if enc.appendTimeSeries(gen.record(offset: Int64(i + 1), nowMicros: clock.nowMicros)) { chunks.append(enc.take()) }
    }
    if !enc.buffer.isEmpty { chunks.append(enc.take()) }
    let start = monotonicSeconds()
    try owner.copyIn(PostgresCopyEncoder.timeSeriesCopy) { send in
        for c in chunks { try send(c) }
    }
    return Double(rows) / (monotonicSeconds() - start)
}

struct PipelineResult {
    var elapsedSeconds: Double
    var ackedPerSecond: Double
    var visiblePerSecond: Double
    var flushes: Int
    var flushP50Ms: Double
    var flushP99Ms: Double
    var flushMaxMs: Double
    var visibleP50Ms: Double
    var visibleP99Ms: Double
    var hotCellsWritten: Int
    var backlogAtEnd: Int
}

/// State shared by the producer and the flusher thread.
private final class FlushShared: @unchecked Sendable {
    let lock = NSLock()
    var stop = false
    var flushedThrough: Int64 = 0
    /// (completion time, flushed-through offset) per flush.
    var completions: [(Double, Int64)] = []
    var durationsMs: [Double] = []
    var hotCells = 0
    var error: String?
}

private func runPipeline(bench: PostgresBenchDatabase, workload: BenchWorkload, seconds: Double, ratePerSecond: Int?,
                         batchSize: Int, flushIntervalMs: Int) throws -> PipelineResult {
    let store = try PostgresStore(config: .init(url: bench.appURL))
    try store.preloadOwners(Array(1...workload.entityCount))
    let log = InMemoryIngestLog()
    let clock = WallClock()
    let ingestor = try Ingestor(validator: Validator(catalog: workload.catalog), log: log, store: store, clock: clock)
    let shared = FlushShared()
    let appURL = bench.appURL
    let done = DispatchSemaphore(value: 0)
    let flusher = Thread {
        defer { done.signal() }
        do {
            let fs = try PostgresStore(config: .init(url: appURL))
            var next = monotonicSeconds()
            while true {
                next += Double(flushIntervalMs) / 1000
                let wait = next - monotonicSeconds()
                if wait > 0 { Thread.sleep(forTimeInterval: wait) } else { next = monotonicSeconds() }
                let stopping = shared.lock.withLock { shared.stop }
                let t0 = monotonicSeconds()
                let r = try fs.flush()
                let t1 = monotonicSeconds()
                shared.lock.withLock {
                    shared.flushedThrough = r.flushedThroughOffset
                    shared.completions.append((t1, r.flushedThroughOffset))
                    shared.durationsMs.append((t1 - t0) * 1000)
                    shared.hotCells += r.hotCellsWritten
                }
                if stopping && r.rowsTaken == 0 { break }
            }
        } catch {
            shared.lock.withLock { shared.error = "\(error)" }
        }
    }
    flusher.start()

    var gen = workload.generator(seedOffset: ratePerSecond == nil ? 1 : 2)
    var batches: [(Double, Int64)] = [] // (ingest start, last offset)
    var acked = 0
    let start = monotonicSeconds()
    var lastTruncate = start
    while true {
        let now = monotonicSeconds()
        let elapsed = now - start
        if elapsed >= seconds { break }
        if shared.lock.withLock({ shared.error }) != nil { break }
        // Backpressure: never more than 50,000 readings staged ahead of the flusher
        // (the Flusher's maxBatchRows), so "flat out" is the rate the flush sustains.
        let unflushed = Int64(acked) - shared.lock.withLock { shared.flushedThrough }
        if (ratePerSecond != nil && Double(acked) >= elapsed * Double(ratePerSecond!)) || unflushed > 50_000 {
            Thread.sleep(forTimeInterval: 0.0005)
            continue
        }
        let nowMicros = clock.nowMicros
        var batch: [Reading] = []
        batch.reserveCapacity(batchSize)
        for _ in 0..<batchSize { batch.append(gen.reading(nowMicros: nowMicros)) }
        let ack = try ingestor.ingest(batch)
        guard ack.rejections.isEmpty, let offsets = ack.offsets else {
            throw BenchError.rejected(ack.rejections.first.map { "\($0)" } ?? "no offsets")
        }
        if ingestor.stagingFailures > 0 { throw BenchError.staging("staging failed; see server log") }
        acked += ack.acceptedCount
        batches.append((now, offsets.upperBound))
        if now - lastTruncate > 1 {
            try log.truncate(before: shared.lock.withLock { shared.flushedThrough } + 1)
            lastTruncate = now
        }
    }
    let producedEnd = monotonicSeconds()
    let backlog = try store.stagedCount()
    shared.lock.withLock { shared.stop = true }
    done.wait()
    if let e = shared.error { throw BenchError.flush(e) }
    let elapsed = producedEnd - start
    let completions = shared.completions
    // Ingest-to-visible: from the ingest call's start to the end of the flush that covered it.
    var visible: [Double] = []
    var j = 0
    for (t, last) in batches {
        while j < completions.count && completions[j].1 < last { j += 1 }
        if j < completions.count { visible.append((completions[j].0 - t) * 1000) }
    }
    let lastVisible = completions.last { $0.1 >= Int64(acked) }?.0 ?? monotonicSeconds()
    let durations = shared.durationsMs
    return PipelineResult(
        elapsedSeconds: elapsed, ackedPerSecond: Double(acked) / elapsed,
        visiblePerSecond: Double(acked) / (lastVisible - start),
        flushes: durations.count, flushP50Ms: percentile(durations, 0.5), flushP99Ms: percentile(durations, 0.99),
        flushMaxMs: durations.max() ?? .nan,
        visibleP50Ms: percentile(visible, 0.5), visibleP99Ms: percentile(visible, 0.99),
        hotCellsWritten: shared.hotCells, backlogAtEnd: backlog)
}

enum BenchError: Error, CustomStringConvertible {
    case rejected(String)
    case staging(String)
    case flush(String)
    var description: String {
        switch self {
        case .rejected(let s): return "bench: workload reading rejected: \(s)"
        case .staging(let s): return "bench: \(s)"
        case .flush(let s): return "bench: flusher failed: \(s)"
        }
    }
}

/// A throwaway database for a benchmark, created through a superuser URL.
final class PostgresBenchDatabase: @unchecked Sendable {
    let name: String
    let ownerURL: String
    let appURL: String
    let appPassword: String
    private let serverURL: String
    var keep = false

    init(serverURL: String, prefix: String) throws {
        self.serverURL = serverURL
        name = prefix + "_" + String(UInt32.random(in: 0...UInt32.max), radix: 36)
        appPassword = "bench_" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
        let admin = try PostgresConnection(url: serverURL)
        // Identifiers cannot be parameters; the name is generated here from [a-z0-9_].
        try admin.execute(.init("create_bench_database", "CREATE DATABASE \(name)"))
        ownerURL = try PostgresURL.with(serverURL, ["dbname": name])
        appURL = try PostgresURL.with(ownerURL, ["user": PostgresSchema.appRole, "password": appPassword])
    }

    func drop() {
        guard !keep, let admin = try? PostgresConnection(url: serverURL) else { return }
        _ = try? admin.execute(.init("drop_bench_database", "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"))
    }
}

/// The benchmarks' catalog and reading generator: 10 tenants, 100,000 entities,
/// 6 hot attributes (the spec's Query 1 fields among them) and 20 cold decimals.
struct BenchWorkload {
    let catalog: Catalog
    let hotFraction: Double
    let seed: UInt64
    let entityCount: Int64
    let tenantCount: Int64 = 10
    static let statuses = ["online", "warning", "offline", "maintenance"]
    static let environments = ["production", "staging", "development"]
    static let regions = ["us-west-2", "us-east-1", "eu-west-1", "ap-south-1"]

    init(hotFraction: Double, seed: UInt64, entityCount: Int64 = 100_000) {
        self.hotFraction = hotFraction
        self.seed = seed
        self.entityCount = entityCount
        var attrs = [
            Attribute(id: 1, name: "status", dataType: .text, isHot: true),
            Attribute(id: 2, name: "environment", dataType: .text, isHot: true),
            Attribute(id: 3, name: "priority", dataType: .int, isHot: true),
            Attribute(id: 4, name: "region", dataType: .text, isHot: true),
            Attribute(id: 5, name: "online", dataType: .bool, isHot: true),
            Attribute(id: 6, name: "load", dataType: .decimal, isHot: true),
            Attribute(id: 7, name: "category", dataType: .text, isHot: false),
        ]
        for i in 0..<20 { attrs.append(Attribute(id: 100 + Int64(i), name: "metric_\(i)", dataType: .decimal, isHot: false)) }
        catalog = try! Catalog(tenants: (1...10).map { Tenant(id: Int64($0), name: "tenant-\($0)") }, attributes: attrs)
    }

    func generator(seedOffset: UInt64) -> Generator { Generator(workload: self, state: seed &+ seedOffset &* 0x9E37_79B9) }

    struct Generator {
        let workload: BenchWorkload
        var state: UInt64

        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            return StableHash.mix64(state)
        }
        mutating func uniform() -> Double { Double(next() >> 11) / Double(1 << 53) }
        mutating func int(_ n: Int) -> Int { Int(next() % UInt64(n)) }

        /// The next reading as the log would record it at `offset`, ingested at `nowMicros`
        /// (for the raw references, which bypass the ingestor).
        mutating func record(offset: Int64, nowMicros: Int64) -> LogRecord {
            let r = reading(nowMicros: nowMicros)
            return LogRecord(offset: offset, tenantID: r.tenantID, entityID: r.entityID, entityType: r.entityType,
                             attributeID: r.attributeID, value: r.value, ingestedAtMicros: nowMicros)
        }

        /// One reading "now" (ingestedAt nil → the ingestor's clock).
        mutating func reading(nowMicros: Int64) -> Reading {
            let e = Int64(next() % UInt64(workload.entityCount)) + 1
            let tenant = e % workload.tenantCount + 1
            let attr: Int64
            let value: Value
            if uniform() < workload.hotFraction {
                attr = Int64(int(6)) + 1
                switch attr {
                case 1: value = .text(BenchWorkload.statuses[int(4)])
                case 2: value = .text(BenchWorkload.environments[int(3)])
                case 3: value = .int(Int64(int(10) + 1))
                case 4: value = .text(BenchWorkload.regions[int(4)])
                case 5: value = .bool(int(2) == 0)
                default: value = .decimal(Double(int(100_000)) / 1000)
                }
            } else if int(10) == 0 {
                attr = 7
                value = .text(["pump", "valve", "fan", "compressor"][int(4)])
            } else {
                attr = 100 + Int64(int(20))
                value = .decimal(Double(int(10_000_000)) / 1000)
            }
            return Reading(tenantID: tenant, entityID: e, entityType: "device", attributeID: attr, value: value,
                           ingestedAtMicros: nil)
        }
    }
}
