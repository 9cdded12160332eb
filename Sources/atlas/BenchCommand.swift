import ArgumentParser
import AtlasStorage
import Foundation

/// `atlas bench …`: release-build benchmarks that print machine and date.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Benchmarks (build with -c release); each prints its reference and the machine.",
        subcommands: [BenchWrite.self, BenchQuery.self, BenchStorage.self, BenchSim.self])
}

struct BenchWrite: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "write",
        abstract: "Readings/s through validate + log + stage + flush + dual write, beside a raw reference.")

    @Option(help: "memory | sqlite | postgres") var store: String = "sqlite"
    @Option(help: "PostgreSQL URL (superuser; --store postgres). Default: $ATLAS_PG_URL.") var postgres: String?
    @Option(help: "Seconds of paced ingest (--store postgres).") var seconds = 60
    @Option(help: "Paced rate in readings/s (--store postgres).") var rate = 50_000
    @Option(help: "SQLite synchronous setting for --store sqlite: normal | off.") var sqliteSynchronous = "normal"
    @Option(help: "Readings to write.") var readings: Int?
    @Option(help: "Readings per ingest call (one log append + fsync each).") var batchSize = 2000
    @Option(help: "Share of readings on hot attributes.") var hotFraction = 0.2
    @Option(help: "Flush interval in milliseconds.") var flushIntervalMs: Int64 = 100
    @Option(help: "Workload seed.") var seed: UInt64 = 42
    @Option(help: "Distinct entities (uniform); steady state has most of them registered.") var entities: Int64 = 100_000
    @Flag(help: "SQLite: flush on the ingest thread between batches instead of on a flush thread.") var serialFlush = false
    @Option(help: "SQLite with a flush thread: ingest waits while this many rows are staged.") var maxStagedRows = 200_000
    @Option(help: "PostgreSQL: after the paced run, step the rate up from 10,000/s by 5,000/s (20 s each, up to --rate) and report the highest whose flush p99 stays under this many ms.")
    var capacityFlushP99Ms: Double?

    func validate() throws {
        guard WriteBenchmark.StoreKind(rawValue: store) != nil || store == "postgres" else {
            throw ValidationError("--store must be one of: memory, sqlite, postgres")
        }
        guard ["normal", "off"].contains(sqliteSynchronous) else { throw ValidationError("--sqlite-synchronous must be normal or off") }
        guard (0...1).contains(hotFraction) else { throw ValidationError("--hot-fraction must be within 0...1") }
        guard batchSize > 0 else { throw ValidationError("--batch-size must be positive") }
        guard maxStagedRows > 0 else { throw ValidationError("--max-staged-rows must be positive") }
        if let b = capacityFlushP99Ms, !(b > 0 && b.isFinite) {
            throw ValidationError("--capacity-flush-p99-ms must be a positive number of milliseconds, got \(b)")
        }
        if capacityFlushP99Ms != nil && store != "postgres" {
            throw ValidationError("--capacity-flush-p99-ms applies to --store postgres only")
        }
    }

    func run() throws {
        if store == "postgres" {
            guard let url = postgres ?? ProcessInfo.processInfo.environment["ATLAS_PG_URL"] else {
                throw ValidationError("--store postgres needs --postgres URL or ATLAS_PG_URL (scripts/pg-local start prints one)")
            }
            _ = try runPostgresWriteBench(url: url, seconds: seconds, ratePerSecond: rate, hotFraction: hotFraction,
                                          capacityFlushP99Ms: capacityFlushP99Ms)
            return
        }
        let kind = WriteBenchmark.StoreKind(rawValue: store)!
        let n = readings ?? (kind == .memory ? 4_000_000 : 1_000_000)
        let dir = NSTemporaryDirectory() + "atlas-bench-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #if DEBUG
        print("warning: debug build; benchmark figures need `swift build -c release`")
        #endif
        print(MachineInfo.summary)
        print("bench write --store \(store): \(n) readings over \(entities) entities, batch \(batchSize), \(Int(hotFraction * 100))% hot, flush every \(flushIntervalMs) ms")
        let r = try WriteBenchmark(store: kind, readings: n, batchSize: batchSize, hotFraction: hotFraction,
                                   flushIntervalMs: flushIntervalMs, seed: seed, entities: entities,
                                   sqliteSynchronous: SQLiteStore.Synchronous(rawValue: sqliteSynchronous.uppercased())!, workDirectory: dir,
                                   serialFlush: serialFlush, maxStagedRows: maxStagedRows).run()
        let threads = kind == .memory ? "" : r.ingestWaitSeconds == nil ? "; flush on the ingest thread" : "; ingest and flush threads"
        print(String(format: "  pipeline   %12.0f readings/s  (%@ + %@%@)", r.pipelineReadingsPerSecond,
                     kind == .memory ? "MemoryStore" : "SQLiteStore file, WAL", kind == .memory ? "in-memory log" : "file log, fdatasync per batch", threads))
        print(String(format: "  reference  %12.0f rows/s      (%@)", r.referenceRowsPerSecond, r.referenceName))
        print(String(format: "  ratio      %12.2f x of reference", r.pipelineReadingsPerSecond / r.referenceRowsPerSecond))
        if let indexed = r.indexedTableRowsPerSecond {
            print(String(format: "  indexed    %12.0f rows/s      (the same INSERTs into one table with the random-key index of the old layout)", indexed))
        }
        print(String(format: "  flushes %d: p50 %.2f ms, p99 %.2f ms; rows %d, hot cells written %d",
                     r.flushes, r.flushP50Ms, r.flushP99Ms, r.rowsInserted, r.hotCellsWritten))
        print(String(format: "  time split: ingest (validate+log+stage) %.2f s, flush %.2f s; pipeline CPU %.2f s (user+sys, all threads)",
                     r.ingestSeconds, r.flushSeconds, r.pipelineCPUSeconds))
        if kind == .sqlite {
            print(String(format: "  end of run: last flush committed at %.0f readings/s; then %.2f s until the background seal was adopted (in the figure above)",
                         r.readingsPerSecondToLastFlush, r.sealWaitSeconds))
        }
        if let wait = r.ingestWaitSeconds {
            print(String(format: "  threads: ingest waited %.2f s (the flush's lock outside its transaction, or %d rows staged); flush thread CPU %.2f s",
                         wait, maxStagedRows, r.flushThreadCPUSeconds ?? 0))
        }
        if let seals = r.sqliteSeals, let ckpt = r.sqliteCheckpoints {
            let builds = r.sqliteSegmentBuilds ?? (0, 0)
            print(String(format: "  sqlite: %d segments sealed: %d files built in the background in %.2f s, adopted in %.2f s after flushes; %d background WAL checkpoints, %.2f s",
                         seals.count, builds.count, builds.seconds, seals.seconds, ckpt.count, ckpt.seconds))
        }
    }
}
