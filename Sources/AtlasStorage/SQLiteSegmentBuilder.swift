import CSQLite3
import Foundation

/// Seals full time-series segments of a file store on a background thread: copies a
/// segment's table from a read snapshot of the store into its own database file, builds
/// its index there, syncs the file and renames it into place. The writer only adopts the
/// finished file (`SQLiteSegments.adopt`), so the index's sort — seconds per 1M rows —
/// never runs inside a flush and never holds the store's write lock.
final class SQLiteSegmentBuilder: @unchecked Sendable {
    struct Job: Equatable {
        /// A full, unsealed segment; its offsets are copied in slices of `copySlice`.
        var segment: SQLiteSegment
        /// Destination path; the file is written as `path + ".tmp"` and renamed.
        var path: String
    }

    /// Fails the next build before its file is renamed into place (tests).
    var injectedFault = false {
        didSet { condition.lock(); fault = injectedFault; condition.unlock() }
    }

    /// Offsets per copy statement (one short read snapshot each).
    static let copySlice: Int64 = 65_536
    private let storePath: String
    private let sql: [String: String]
    private let condition = NSCondition()
    private var queue: [Job] = []
    private var running: Job?
    private var finished: [(job: Job, error: Error?)] = []
    private var stopping = false
    private var fault = false
    private let done = DispatchSemaphore(value: 0)
    private var built = 0
    private var buildSeconds = 0.0

    /// Segment files built so far and the wall seconds the builds took (this thread's time).
    var stats: (count: Int, seconds: Double) {
        condition.lock()
        defer { condition.unlock() }
        return (built, buildSeconds)
    }

    init(storePath: String, sql: [String: String]) {
        self.storePath = storePath
        self.sql = sql
        HelperThread.start(name: "atlas-sqlite-seal", worksAhead: false) { [self] in run() }
    }

    /// Queues `job` unless it is queued, running or finished but not yet taken.
    func submit(_ job: Job) {
        condition.lock()
        defer { condition.unlock() }
        guard running != job, !queue.contains(job), !finished.contains(where: { $0.job == job }) else { return }
        queue.append(job)
        condition.broadcast()
    }

    /// Builds finished since the last call, with their error if they failed.
    func takeFinished() -> [(job: Job, error: Error?)] {
        condition.lock()
        defer { condition.unlock() }
        let f = finished
        finished.removeAll()
        return f
    }

    /// Blocks until nothing is queued or running.
    func waitIdle() {
        condition.lock()
        while running != nil || !queue.isEmpty { condition.wait() }
        condition.unlock()
    }

    /// Stops the thread after the build in progress (queued ones are dropped: the
    /// segments stay unsealed in the store and are sealed again when it is reopened).
    func stop() {
        condition.lock()
        stopping = true
        queue.removeAll()
        condition.broadcast()
        condition.unlock()
        done.wait()
    }

    private func run() {
        var connection: SQLiteConnection?
        while true {
            condition.lock()
            while queue.isEmpty && !stopping { condition.wait() }
            if stopping { condition.unlock(); break }
            let job = queue.removeFirst()
            running = job
            let failNow = fault
            fault = false
            condition.unlock()
            var error: Error?
            let t0 = DispatchTime.now().uptimeNanoseconds
            do {
                if connection == nil {
                    let c = try SQLiteConnection(path: storePath)
                    try c.exec("PRAGMA busy_timeout = 5000; PRAGMA temp_store = MEMORY; PRAGMA cache_size = -65536")
                    connection = c
                }
                try build(job, on: connection!, failBeforeRename: failNow)
            } catch let e {
                error = e
                // A failed build may leave `seg` attached; a fresh connection starts clean.
                connection = nil
                try? FileManager.default.removeItem(atPath: job.path + ".tmp")
            }
            condition.lock()
            if error == nil { built += 1 }
            buildSeconds += Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
            running = nil
            finished.append((job, error))
            condition.broadcast()
            condition.unlock()
        }
        done.signal()
    }

    private func text(_ name: String, table: String) throws -> String {
        try SQLiteSegments.text(sql, name, table: table)
    }

    private func build(_ job: Job, on c: SQLiteConnection, failBeforeRename: Bool) throws {
        let seg = job.segment
        let tmp = job.path + ".tmp"
        // A leftover of a build interrupted by a crash.
        try? FileManager.default.removeItem(atPath: tmp)
        let attach = try c.prepare(try text("segment_file_attach", table: seg.table), name: "segment_file_attach")
        attach.bind(1, tmp)
        try attach.run()
        do {
            try c.exec(try text("segment_file_pragmas", table: seg.table), name: "segment_file_pragmas")
            try c.exec(try text("segment_create", table: "seg." + seg.table), name: "segment_file_create")
            let copy = try c.prepare(try text("segment_file_copy", table: seg.table), name: "segment_file_copy")
            var from = seg.firstOffset
            while from <= seg.lastOffset {
                let to = min(seg.lastOffset, from + Self.copySlice - 1) + 1
                copy.bind(1, from); copy.bind(2, to)
                try copy.run()
                from = to
            }
            let count = try c.prepare(try text("segment_file_count", table: seg.table), name: "segment_file_count")
            guard try count.step(), count.int64(0) == Int64(seg.rows) else {
                throw SQLiteError(code: SQLITE_CORRUPT, message: "segment \(seg.id): copied \(count.int64(0)) rows of \(seg.rows)",
                                  statement: "segment_file_count")
            }
            count.reset()
            try c.exec(try text("segment_file_index", table: seg.table), name: "segment_file_index")
        } catch {
            try? c.exec(try text("segment_file_detach", table: ""), name: "segment_file_detach")
            throw error
        }
        try c.exec(try text("segment_file_detach", table: ""), name: "segment_file_detach")
        if failBeforeRename {
            throw SQLiteError(code: SQLITE_IOERR, message: "injected segment build fault", statement: "segment_file_rename")
        }
        // Durable before it is named: the store's catalog may point at it once renamed.
        try Self.sync(path: tmp)
        guard rename(tmp, job.path) == 0 else {
            throw SQLiteError(code: SQLITE_IOERR, message: "rename \(tmp): errno \(errno)", statement: "segment_file_rename")
        }
        try Self.sync(path: (job.path as NSString).deletingLastPathComponent, directory: true)
    }

    static func sync(path: String, directory: Bool = false) throws {
        let fd = open(path, directory ? O_RDONLY | O_DIRECTORY : O_RDWR)
        guard fd >= 0 else {
            throw SQLiteError(code: SQLITE_IOERR, message: "open \(path): errno \(errno)", statement: "segment_file_sync")
        }
        defer { close(fd) }
        guard fsync(fd) == 0 else {
            throw SQLiteError(code: SQLITE_IOERR, message: "fsync \(path): errno \(errno)", statement: "segment_file_sync")
        }
    }
}
