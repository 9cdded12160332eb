import AtlasCore
import CSQLite3
import Foundation

/// One time-series segment of the SQLite store: a table `entity_values_ts_s<N>` holding
/// a consecutive range of log offsets (rowid = log offset), described in `ts_segments`.
struct SQLiteSegment: Equatable {
    var id: Int64
    var table: String
    var firstOffset: Int64
    var lastOffset: Int64
    var minIngestedAt: Int64
    var maxIngestedAt: Int64
    var rows: Int
    /// Sealed segments are complete and indexed; the last unsealed segment takes appends
    /// (a full one waiting for its seal takes none).
    var sealed: Bool
    /// The database file (name, in the store's directory) a sealed segment was moved to;
    /// nil while its table is in the store's file.
    var file: String? = nil

    static func tableName(_ id: Int64) -> String { "entity_values_ts_s\(id)" }

    /// True when some row of the segment may lie in `[from, to)`.
    func overlaps(_ range: TimeRange) -> Bool {
        rows > 0 && minIngestedAt < range.toMicros && maxIngestedAt >= range.fromMicros
    }
}

/// The segment catalog of the SQLite store (mirror of `ts_segments`) and the statements
/// that append to, seal and read segments. Appends never touch a random page: the open
/// segment is a rowid table with no secondary index, and its index is built in one sorted
/// pass when it is sealed.
final class SQLiteSegments {
    private unowned let db: SQLiteConnection
    private let sql: [String: String]
    /// Rows after which the open segment is sealed (checked after each flush).
    let segmentRows: Int
    /// Rows bound per multi-row INSERT into the open segment.
    static let insertChunk = 64

    private(set) var all: [SQLiteSegment] = []
    private var statements: [String: SQLiteStatement] = [:]
    /// Read-only connections to sealed segment files, by segment id, and their statements.
    /// At most `maxOpenReaders` stay open (each holds a file descriptor, and a store sealing
    /// a 1M-row segment every ~100 s at 10K writes/s has ~860 of them after a day); the
    /// least recently used is closed first and re-opened when a query needs it again.
    private var readers: [Int64: SQLiteConnection] = [:]
    private var readerStatements: [String: SQLiteStatement] = [:]
    private var readerLastUse: [Int64: UInt64] = [:]
    private var readerUses: UInt64 = 0
    let maxOpenReaders: Int
    /// Sealed-segment files open for reading now.
    var openReaderCount: Int { readers.count }
    /// The store file's directory and name: segment files are `<name>-seg<N>` beside it.
    /// nil for an in-memory store, whose segments are sealed in place.
    let storeFile: (directory: String, name: String)?

    init(db: SQLiteConnection, sql: [String: String], segmentRows: Int, storeFile: (directory: String, name: String)?,
         maxOpenReaders: Int = 64) throws {
        self.db = db
        self.sql = sql
        self.segmentRows = segmentRows
        self.maxOpenReaders = max(1, maxOpenReaders)
        self.storeFile = storeFile
        try migrateLegacyTable()
        let probe = try db.prepare(try text("segments_have_file_column"), name: "segments_have_file_column")
        if try probe.step(), probe.int64(0) == 0 {
            try db.exec(try text("segments_add_file_column"), name: "segments_add_file_column")
        }
        probe.reset()
        try reload()
        // Fail at open, not at the first query, when a sealed segment's file is gone.
        for seg in all {
            if let f = seg.file, !FileManager.default.fileExists(atPath: try path(of: f)) {
                throw SQLiteError(code: SQLITE_CANTOPEN, message: "segment \(seg.id) file \(f) is missing",
                                  statement: "load_segments")
            }
        }
    }

    /// The path of a segment file named `name`.
    func path(of name: String) throws -> String {
        guard let storeFile else {
            throw SQLiteError(code: SQLITE_MISUSE, message: "an in-memory store has no segment files", statement: "segment_file")
        }
        return storeFile.directory + "/" + name
    }

    /// The file name a sealed segment `id` is moved to.
    func fileName(for id: Int64) throws -> String {
        guard let storeFile else {
            throw SQLiteError(code: SQLITE_MISUSE, message: "an in-memory store has no segment files", statement: "segment_file")
        }
        return "\(storeFile.name)-seg\(id)"
    }

    /// Re-reads the catalog (after a rolled-back flush) and drops cached statements.
    func reload() throws {
        statements.removeAll()
        let s = try db.prepare(try text("load_segments"), name: "load_segments")
        var out: [SQLiteSegment] = []
        while try s.step() {
            out.append(SQLiteSegment(id: s.int64(0), table: s.string(1) ?? "", firstOffset: s.int64(2), lastOffset: s.int64(3),
                                     minIngestedAt: s.int64(4), maxIngestedAt: s.int64(5), rows: Int(s.int64(6)),
                                     sealed: s.int64(7) != 0, file: s.string(8)))
        }
        all = out
    }

    /// A database written before segments had one indexed `entity_values_ts`: it becomes
    /// sealed segment 0 (its index `entity_values_ts_series` serves the same queries).
    private func migrateLegacyTable() throws {
        let probe = try db.prepare("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'entity_values_ts'",
                                   name: "legacy_probe")
        guard try probe.step(), probe.int64(0) == 1 else { return }
        let name = SQLiteSegment.tableName(0)
        try db.exec("""
            BEGIN IMMEDIATE;
            ALTER TABLE entity_values_ts RENAME TO \(name);
            INSERT INTO ts_segments (segment_id, table_name, first_offset, last_offset, min_ingested_at, max_ingested_at, row_count, sealed)
            SELECT 0, '\(name)', coalesce(min(log_offset), 0), coalesce(max(log_offset), 0), coalesce(min(ingested_at), 0),
                   coalesce(max(ingested_at), 0), count(*), 1 FROM \(name);
            COMMIT;
            """, name: "legacy_migrate")
    }

    private func text(_ name: String, table: String? = nil) throws -> String {
        try Self.text(sql, name, table: table)
    }

    /// Statement `name` of `sql`, with `{table}` replaced by `table` when given.
    static func text(_ sql: [String: String], _ name: String, table: String? = nil) throws -> String {
        guard let t = sql[name] else {
            throw SQLiteError(code: SQLITE_MISUSE, message: "no statement named \(name)", statement: name)
        }
        return table.map { t.replacingOccurrences(of: "{table}", with: $0) } ?? t
    }

    /// A cached statement `name` reading `seg`, on the connection that holds it. Callers use
    /// one at a time (step, then reset): opening another segment may close the least
    /// recently used one.
    func statement(_ name: String, segment seg: SQLiteSegment) throws -> SQLiteStatement {
        guard let file = seg.file else { return try statement(name, table: seg.table) }
        readerUses += 1
        let key = "\(name)/\(seg.id)"
        if let s = readerStatements[key] {
            readerLastUse[seg.id] = readerUses
            return s
        }
        let c: SQLiteConnection
        if let r = readers[seg.id] {
            c = r
        } else {
            if readers.count >= maxOpenReaders { closeLeastRecentlyUsedReader() }
            c = try SQLiteConnection(path: try path(of: file), readOnly: true)
            readers[seg.id] = c
        }
        readerLastUse[seg.id] = readerUses
        let s = try c.prepare(try text(name, table: seg.table), name: "\(name) \(file)")
        readerStatements[key] = s
        return s
    }

    private func closeLeastRecentlyUsedReader() {
        guard let (id, _) = readerLastUse.min(by: { $0.value < $1.value }) else { return }
        // Statements first: the connection closes once none is left on it.
        let suffix = "/\(id)"
        for k in readerStatements.keys where k.hasSuffix(suffix) { readerStatements[k] = nil }
        readers[id] = nil
        readerLastUse[id] = nil
    }

    /// A cached statement `name` with `{table}` replaced by `table`.
    func statement(_ name: String, table: String, rows: Int = 1) throws -> SQLiteStatement {
        let key = "\(name)/\(table)/\(rows)"
        if let s = statements[key] { return s }
        var t = try text(name, table: table)
        if name == "segment_insert" {
            let row = try text("segment_insert_row")
            t = t.replacingOccurrences(of: "{rows}", with: Array(repeating: row, count: rows).joined(separator: ", "))
        }
        let s = try db.prepare(t, name: "\(name) \(table)")
        statements[key] = s
        return s
    }

    /// The segment appends go to, created (inside the caller's transaction) when none is open.
    /// The returned value is what the catalog will hold once `commit` is called.
    func openSegment(firstOffset: Int64) throws -> SQLiteSegment {
        if let last = all.last, !last.sealed, last.rows < segmentRows { return last }
        let id = (all.last?.id ?? 0) + 1
        let seg = SQLiteSegment(id: id, table: SQLiteSegment.tableName(id), firstOffset: firstOffset, lastOffset: firstOffset - 1,
                                minIngestedAt: .max, maxIngestedAt: .min, rows: 0, sealed: false)
        try db.exec(try text("segment_create", table: seg.table), name: "segment_create")
        let r = try statement("segment_register", table: "")
        r.bind(1, seg.id); r.bind(2, seg.table); r.bind(3, seg.firstOffset); r.bind(4, seg.lastOffset)
        r.bind(5, seg.minIngestedAt); r.bind(6, seg.maxIngestedAt); r.bind(7, Int64(0))
        try r.run()
        return seg
    }

    /// Appends `rows` (ascending offsets, all above the segment's last offset) to `seg`
    /// and updates its catalog row; returns the segment as it now stands.
    func append(_ rows: ArraySlice<LogRecord>, to seg: SQLiteSegment) throws -> SQLiteSegment {
        var seg = seg
        let chunk = Self.insertChunk
        var i = rows.startIndex
        while i < rows.endIndex {
            let n = min(chunk, rows.endIndex - i)
            let s = try statement("segment_insert", table: seg.table, rows: n == chunk ? chunk : 1)
            let m = n == chunk ? chunk : 1
            var p: Int32 = 1
            for r in rows[i..<(i + m)] {
                s.bind(p, r.offset); s.bind(p + 1, r.tenantID); s.bind(p + 2, r.entityID); s.bind(p + 3, r.attributeID)
                switch r.value {
                case .text(let v): s.bind(p + 4, v)
                case .int(let v): s.bind(p + 5, v)
                case .decimal(let v): s.bind(p + 6, v)
                case .bool(let v): s.bind(p + 7, Int64(v ? 1 : 0))
                case .timestamp(let m): s.bind(p + 8, m)
                }
                s.bind(p + 9, r.ingestedAtMicros)
                if r.ingestedAtMicros < seg.minIngestedAt { seg.minIngestedAt = r.ingestedAtMicros }
                if r.ingestedAtMicros > seg.maxIngestedAt { seg.maxIngestedAt = r.ingestedAtMicros }
                p += 10
            }
            try s.run()
            i += m
        }
        seg.lastOffset = rows.last?.offset ?? seg.lastOffset
        seg.rows += rows.count
        let u = try statement("segment_update", table: "")
        u.bind(1, seg.id); u.bind(2, seg.lastOffset); u.bind(3, seg.minIngestedAt); u.bind(4, seg.maxIngestedAt)
        u.bind(5, Int64(seg.rows))
        try u.run()
        return seg
    }

    /// Records `seg` in the in-memory catalog after its transaction committed.
    func commit(_ seg: SQLiteSegment) {
        if let i = all.lastIndex(where: { $0.id == seg.id }) { all[i] = seg } else { all.append(seg) }
    }

    /// Unsealed segments that reached their row budget (no longer appended to), oldest first.
    var dueForSeal: [SQLiteSegment] { all.filter { !$0.sealed && $0.rows >= segmentRows } }

    /// Points the catalog at `seg`'s sealed file (built and synced by `SQLiteSegmentBuilder`)
    /// and drops its table here, in one transaction.
    func adopt(_ seg: SQLiteSegment, file: String) throws {
        try db.transaction("adopt") {
            let u = try statement("segment_adopt_file", table: "")
            u.bind(1, seg.id); u.bind(2, file)
            try u.run()
            guard db.changes == 1 else {
                throw SQLiteError(code: SQLITE_MISUSE, message: "segment \(seg.id) is not an unsealed segment", statement: "segment_adopt_file")
            }
            // The cached statements on the table must go before it can be dropped.
            dropStatements(table: seg.table)
            try db.exec(try text("segment_drop", table: seg.table), name: "segment_drop")
        }
        commitSealed(seg, file: file)
    }

    private func dropStatements(table: String) {
        for k in statements.keys where k.contains("/\(table)/") { statements[k] = nil }
    }

    /// Builds the open segment's index in one sorted pass and marks it sealed (one
    /// transaction; the next flush opens a new segment).
    func seal(_ seg: SQLiteSegment) throws {
        try db.transaction("seal") {
            try db.exec(try text("segment_seal_index", table: seg.table), name: "segment_seal_index")
            let m = try statement("segment_mark_sealed", table: "")
            m.bind(1, seg.id)
            try m.run()
        }
        commitSealed(seg, file: nil)
    }

    /// Records in the in-memory catalog that `seg` was sealed (in place, or into `file`).
    private func commitSealed(_ seg: SQLiteSegment, file: String?) {
        var s = seg
        s.sealed = true
        s.file = file
        commit(s)
    }

    /// Segments that may hold rows in `range`, oldest first.
    func overlapping(_ range: TimeRange) -> [SQLiteSegment] { all.filter { $0.overlaps(range) } }
}
