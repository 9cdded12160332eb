import AtlasCore
import Foundation

/// The write path on two threads: the caller's thread ingests (validate, log append +
/// fdatasync — the acknowledgement — and stage), a flush thread runs the `Flusher`, so
/// the flush's transaction overlaps the next batches' ingest instead of following it.
///
/// One lock guards the ingestor, the flusher and the log: an ingest call holds it, and
/// so does a flush except while the store's own `flush()` runs (`Flusher.aroundStoreFlush`).
/// The store must therefore allow staging during its flush (`SQLiteStore` does: the flush
/// takes staging whole, and a failed flush puts it back). Nothing changes for durability:
/// a batch is acknowledged once the log holds it, and a crash at any point loses only
/// staging, which `Ingestor.recover()` replays from the log.
public final class PipelinedWriter: @unchecked Sendable {
    public struct Stats: Sendable {
        /// Wall milliseconds of each flush (`Flusher.flushNow`, lock waits excluded).
        public var flushMs: [Double] = []
        /// Wall seconds inside ingest calls (lock held) and waiting to ingest (the lock, or
        /// staging at `maxStagedRows`).
        public var ingestSeconds = 0.0
        public var ingestWaitSeconds = 0.0
        /// Flushes that threw (their rows stayed staged and went with a later flush).
        public var failedFlushes = 0
        /// CPU seconds (user + system) the flush thread used: below the flushes' wall time
        /// by what they waited for (the other core, the lock, the disk).
        public var flushThreadCPUSeconds = 0.0
    }

    public let ingestor: Ingestor
    public let flusher: Flusher
    /// Ingest waits while this many rows are staged: bounds staging's memory and the
    /// size of the flush that follows when flushing falls behind.
    public let maxStagedRows: Int
    /// The flusher's clock: when the next interval flush is due.
    private let clock: any Clock
    private let turns = Turns()
    private var stopping = false
    private var stats = Stats()
    private var lastFlushError: Error?
    private let threadDone = DispatchSemaphore(value: 0)

    /// The writer's lock, taken in turns: the ingest thread, which takes it again right
    /// after releasing it, lets a waiting flush go first (a plain mutex let the flush wait
    /// behind batch after batch, fdatasync included). Also where the flush thread sleeps.
    private final class Turns: @unchecked Sendable {
        /// Guards the ingestor, flusher, log and the writer's state; ingest waits on it
        /// while staging is full.
        let lock = NSCondition()
        /// Guards `flushWaiting` and `wake`.
        private let gate = NSCondition()
        private var flushWaiting = false
        private var wake = false

        func lockForIngest() {
            gate.lock()
            while flushWaiting { gate.wait() }
            gate.unlock()
            lock.lock()
        }

        func lockForFlush() {
            gate.lock()
            flushWaiting = true
            gate.unlock()
            lock.lock()
            gate.lock()
            flushWaiting = false
            gate.broadcast()
            gate.unlock()
        }

        /// Wakes the flush thread from `sleep`.
        func wakeFlush() {
            gate.lock()
            wake = true
            gate.signal()
            gate.unlock()
        }

        /// The flush thread's wait for its next due time or `wakeFlush()`.
        func sleep(micros: Int64) {
            let deadline = Date(timeIntervalSinceNow: Double(micros) / 1e6)
            gate.lock()
            while !wake, gate.wait(until: deadline) {}
            wake = false
            gate.unlock()
        }
    }

    /// Starts the flush thread. `flusher` must drive `ingestor` with `clock`; neither may
    /// be used directly until `finish()` or `stop()` returned (the thread holds this
    /// writer until then).
    public init(ingestor: Ingestor, flusher: Flusher, clock: any Clock, maxStagedRows: Int = 200_000) {
        self.ingestor = ingestor
        self.flusher = flusher
        self.clock = clock
        self.maxStagedRows = max(1, maxStagedRows)
        flusher.aroundStoreFlush = { [turns] body in
            turns.lock.unlock()
            defer { turns.lockForFlush() }
            return try body()
        }
        HelperThread.start(name: "atlas-flush", worksAhead: false) { [self] in runFlushes() }
    }

    /// Validates, logs (durably) and stages `readings`: `Ingestor.ingest` on this thread.
    /// Waits while `maxStagedRows` are staged.
    /// - Throws: what `Ingestor.ingest` throws; or, while staging is full and the last
    ///   flush failed, that flush's error (nothing of this batch is logged).
    @discardableResult
    public func ingest(_ readings: [Reading]) throws -> IngestAck {
        let t0 = DispatchTime.now().uptimeNanoseconds
        turns.lockForIngest()
        defer { turns.lock.unlock() }
        while !stopping, try ingestor.store.stagedCount() >= maxStagedRows {
            if let lastFlushError { throw lastFlushError }
            turns.lock.wait()
        }
        let t1 = DispatchTime.now().uptimeNanoseconds
        defer { stats.ingestWaitSeconds += Double(t1 - t0) / 1e9 }
        let ack = try ingestor.ingest(readings)
        stats.ingestSeconds += Double(DispatchTime.now().uptimeNanoseconds - t1) / 1e9
        // A flush is due by size: do not let it wait for the interval.
        if try ingestor.store.stagedCount() >= flusher.config.maxBatchRows { turns.wakeFlush() }
        return ack
    }

    /// Stops the flush thread, then flushes what is staged on this thread.
    /// - Throws: the final flush's error (the rows stay staged and in the log).
    @discardableResult
    public func finish() throws -> Stats {
        stop()
        turns.lock.lock()
        defer { turns.lock.unlock() }
        let t0 = DispatchTime.now().uptimeNanoseconds
        do {
            try flusher.flushNow()
        } catch {
            stats.failedFlushes += 1
            throw error
        }
        stats.flushMs.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
        return stats
    }

    /// Stops the flush thread after the flush in progress, without a final flush (what a
    /// crash leaves: staged rows that only the log holds). Idempotent.
    public func stop() {
        turns.lock.lock()
        let first = !stopping
        stopping = true
        turns.lock.broadcast()
        turns.lock.unlock()
        turns.wakeFlush()
        if first { threadDone.wait() }
        flusher.aroundStoreFlush = nil
    }

    /// Counters and flush durations so far.
    public var currentStats: Stats {
        turns.lock.lock()
        defer { turns.lock.unlock() }
        return stats
    }

    /// The error of the last flush when it failed (nil after a successful one).
    public var flushError: Error? {
        turns.lock.lock()
        defer { turns.lock.unlock() }
        return lastFlushError
    }

    /// User + system CPU seconds of the calling thread.
    private static func threadCPUSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    private func runFlushes() {
        while true {
            turns.lockForFlush()
            if stopping { turns.lock.unlock(); break }
            let t0 = DispatchTime.now().uptimeNanoseconds
            var flushed = false
            do {
                if try flusher.tick() != nil {
                    // Includes the time outside the store's flush, under the lock.
                    stats.flushMs.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
                    lastFlushError = nil
                    flushed = true
                }
            } catch {
                // Staging is intact (the store's contract); the next interval retries.
                stats.failedFlushes += 1
                lastFlushError = error
            }
            // Staging drained, or the flush failed: an ingest waiting on full staging goes
            // on, or fails with the error.
            turns.lock.broadcast()
            let waitMicros = flushed ? 0 : max(1_000, flusher.nextDueMicros - clock.nowMicros)
            stats.flushThreadCPUSeconds = Self.threadCPUSeconds()
            turns.lock.unlock()
            if waitMicros > 0 { turns.sleep(micros: waitMicros) }
        }
        threadDone.signal()
    }
}
