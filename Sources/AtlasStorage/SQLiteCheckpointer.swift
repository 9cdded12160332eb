import CSQLite3
import Foundation

/// Runs WAL checkpoints of a file database on a background thread with its own
/// connection, so the writer never stops for the copy-back and its fsyncs.
///
/// The writer's connection has automatic checkpoints turned off and a WAL hook instead:
/// after a commit that leaves at least `thresholdFrames` frames in the WAL it wakes this
/// thread, which runs a PASSIVE checkpoint (never blocks the writer or readers). Once a
/// checkpoint has copied everything back, the writer's next transaction rewinds the WAL.
/// If the WAL still grows past `4 × thresholdFrames` (the disk cannot keep up), the writer
/// checkpoints inline, which bounds the WAL.
final class SQLiteCheckpointer: @unchecked Sendable {
    let thresholdFrames: Int32
    private let connection: SQLiteConnection
    private let condition = NSCondition()
    private var pending = false
    private var stopping = false
    private let finished = DispatchSemaphore(value: 0)
    private var count = 0
    private var total = 0.0
    private var durable: Int64
    /// The highest flushed offset a completed checkpoint has made durable (copied into
    /// the database file and fsync'd): with `synchronous = NORMAL` commits after it may be
    /// rolled back by an OS crash, so the ingest log must keep them.
    var durableOffset: Int64 {
        condition.lock()
        defer { condition.unlock() }
        return durable
    }

    /// Records that everything through `offset` is durable (an inline full checkpoint).
    func noteDurable(_ offset: Int64) {
        condition.lock()
        durable = Swift.max(durable, offset)
        condition.unlock()
    }
    /// Checkpoints run and the wall seconds they took.
    var stats: (count: Int, seconds: Double) {
        condition.lock()
        defer { condition.unlock() }
        return (count, total)
    }

    /// - Parameter synchronous: the writer's setting; a new connection would default to
    ///   FULL and fsync every checkpoint even when the store runs with `off`.
    init(path: String, thresholdFrames: Int32, durableOffset: Int64, synchronous: SQLiteStore.Synchronous) throws {
        self.thresholdFrames = thresholdFrames
        durable = durableOffset
        connection = try SQLiteConnection(path: path)
        try connection.exec("PRAGMA busy_timeout = 5000; PRAGMA synchronous = \(synchronous.rawValue)")
        HelperThread.start(name: "atlas-sqlite-checkpoint", worksAhead: false) { [self] in run() }
    }

    /// Installs the WAL hook on the writer's connection (which must outlive this call's
    /// effect: `stop()` removes it).
    func attach(to writer: SQLiteConnection) {
        try? writer.exec("PRAGMA wal_autocheckpoint = 0")
        sqlite3_wal_hook(writer.handle, { ctx, db, _, frames in
            let me = Unmanaged<SQLiteCheckpointer>.fromOpaque(ctx!).takeUnretainedValue()
            if frames >= me.thresholdFrames * 4 {
                // Never return its result: a WAL hook's error makes SQLite report the COMMIT
                // as failed although it committed (BUSY here while the background checkpoint runs).
                _ = sqlite3_wal_checkpoint_v2(db, nil, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
            }
            if frames >= me.thresholdFrames { me.request() }
            return SQLITE_OK
        }, Unmanaged.passUnretained(self).toOpaque())
    }

    func request() {
        condition.lock()
        pending = true
        condition.signal()
        condition.unlock()
    }

    /// Stops the thread after any checkpoint in progress and detaches from `writer`.
    func stop(detaching writer: SQLiteConnection) {
        sqlite3_wal_hook(writer.handle, nil, nil)
        condition.lock()
        stopping = true
        condition.signal()
        condition.unlock()
        finished.wait()
    }

    private func flushedOffset() throws -> Int64 {
        let st = try connection.prepare("SELECT flushed_offset FROM flush_state WHERE id = 1", name: "checkpoint_flushed_offset")
        defer { st.reset() }
        return try st.step() ? st.int64(0) : 0
    }

    private func run() {
        while true {
            condition.lock()
            while !pending && !stopping { condition.wait() }
            let stop = stopping
            pending = false
            condition.unlock()
            if stop { break }
            let t0 = DispatchTime.now().uptimeNanoseconds
            // The read opens the WAL on this connection (a checkpoint before it does
            // nothing) and gives the offset committed before the checkpoint starts: once
            // every frame in the WAL is backfilled and synced, that offset is durable.
            let offset = try? flushedOffset()
            var logFrames: Int32 = -1, checkpointed: Int32 = -1
            let rc = sqlite3_wal_checkpoint_v2(connection.handle, nil, SQLITE_CHECKPOINT_PASSIVE, &logFrames, &checkpointed)
            condition.lock()
            if rc == SQLITE_OK, logFrames >= 0, checkpointed == logFrames, let offset { durable = Swift.max(durable, offset) }
            count += 1
            total += Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
            condition.unlock()
        }
        finished.signal()
    }
}
