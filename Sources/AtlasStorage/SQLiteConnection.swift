import CSQLite3

/// SQLite's transient destructor (a macro Swift cannot import).
let SQLITE_TRANSIENT = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// A typed SQLite failure: the primary result code, SQLite's message and which
/// statement (by name) failed.
public struct SQLiteError: Error, CustomStringConvertible, Equatable {
    /// SQLite's extended result code (`SQLITE_BUSY` = 5, `SQLITE_CONSTRAINT` = 19, ...).
    public var code: Int32
    public var message: String
    public var statement: String
    public var description: String { "sqlite error \(code) in '\(statement)': \(message)" }
}

/// A thin owner of one `sqlite3*` connection. Not thread-safe: one owner at a time.
public final class SQLiteConnection {
    let handle: OpaquePointer

    /// Opens (creating if needed) `path`; ":memory:" for an in-memory database.
    /// `readOnly`: opens an existing file for reading only.
    public init(path: String, readOnly: Bool = false) throws {
        var h: OpaquePointer?
        let flags = (readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) | SQLITE_OPEN_NOMUTEX
        let rc = sqlite3_open_v2(path, &h, flags, nil)
        guard rc == SQLITE_OK, let h else {
            let msg = h.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            if let h { sqlite3_close_v2(h) }
            throw SQLiteError(code: rc, message: msg, statement: "open \(path)")
        }
        handle = h
        sqlite3_extended_result_codes(h, 1)
    }

    deinit { sqlite3_close_v2(handle) }

    /// Runs one or more statements without parameters (DDL, PRAGMA, BEGIN/COMMIT).
    public func exec(_ sql: String, name: String? = nil) throws {
        var err: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &err)
        if rc != SQLITE_OK {
            let msg = err.map { String(cString: $0) } ?? String(cString: sqlite3_errmsg(handle))
            sqlite3_free(err)
            throw SQLiteError(code: rc, message: msg, statement: name ?? String(sql.prefix(60)))
        }
    }

    public func prepare(_ sql: String, name: String) throws -> SQLiteStatement {
        var stmt: OpaquePointer?
        let rc = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &stmt, nil)
        guard rc == SQLITE_OK, let stmt else {
            throw SQLiteError(code: rc, message: String(cString: sqlite3_errmsg(handle)), statement: name)
        }
        return SQLiteStatement(stmt, connection: self, name: name)
    }

    /// Runs `body` in one `BEGIN IMMEDIATE` transaction: committed when it returns, rolled
    /// back when it throws. `name` labels the BEGIN/COMMIT/ROLLBACK in errors.
    func transaction<T>(_ name: String? = nil, _ body: () throws -> T) throws -> T {
        let label = name.map { " " + $0 } ?? ""
        try exec("BEGIN IMMEDIATE", name: "begin" + label)
        do {
            let r = try body()
            try exec("COMMIT", name: "commit" + label)
            return r
        } catch {
            try? exec("ROLLBACK", name: "rollback" + label)
            throw error
        }
    }

    /// Rows changed by the most recent statement.
    public var changes: Int { Int(sqlite3_changes64(handle)) }

    func error(_ rc: Int32, _ name: String) -> SQLiteError {
        SQLiteError(code: rc, message: String(cString: sqlite3_errmsg(handle)), statement: name)
    }
}

/// A prepared statement, reset after each use. Parameters are 1-based.
public final class SQLiteStatement {
    let stmt: OpaquePointer
    unowned let connection: SQLiteConnection
    public let name: String

    init(_ stmt: OpaquePointer, connection: SQLiteConnection, name: String) {
        self.stmt = stmt
        self.connection = connection
        self.name = name
    }

    deinit { sqlite3_finalize(stmt) }

    @inline(__always) public func bind(_ i: Int32, _ v: Int64) { sqlite3_bind_int64(stmt, i, v) }
    @inline(__always) public func bind(_ i: Int32, _ v: Double) { sqlite3_bind_double(stmt, i, v) }
    @inline(__always) public func bind(_ i: Int32, _ v: String) { sqlite3_bind_text(stmt, i, v, -1, SQLITE_TRANSIENT) }
    /// Binds UTF-8 text given as bytes.
    public func bind(_ i: Int32, utf8 v: [UInt8]) {
        v.withUnsafeBufferPointer { b in
            _ = b.withMemoryRebound(to: CChar.self) { sqlite3_bind_text(stmt, i, $0.baseAddress, Int32(b.count), SQLITE_TRANSIENT) }
        }
    }
    /// Binds a blob given as bytes.
    public func bind(_ i: Int32, blob v: [UInt8]) {
        v.withUnsafeBytes { b in _ = sqlite3_bind_blob(stmt, i, b.baseAddress, Int32(b.count), SQLITE_TRANSIENT) }
    }
    @inline(__always) public func bindNull(_ i: Int32) { sqlite3_bind_null(stmt, i) }
    public func bind(_ i: Int32, _ v: String?) { if let v { bind(i, v) } else { bindNull(i) } }
    public func bind(_ i: Int32, _ v: Int64?) { if let v { bind(i, v) } else { bindNull(i) } }
    public func bind(_ i: Int32, _ v: Double?) { if let v { bind(i, v) } else { bindNull(i) } }

    /// Steps once; true when a row is available.
    @discardableResult
    public func step() throws -> Bool {
        let rc = sqlite3_step(stmt)
        if rc == SQLITE_ROW { return true }
        if rc == SQLITE_DONE { return false }
        let e = connection.error(rc, name)
        sqlite3_reset(stmt)
        throw e
    }

    /// Runs to completion and resets.
    public func run() throws {
        defer { reset() }
        while try step() {}
    }

    @inline(__always) public func reset() {
        sqlite3_reset(stmt)
        sqlite3_clear_bindings(stmt)
    }

    @inline(__always) public func int64(_ col: Int32) -> Int64 { sqlite3_column_int64(stmt, col) }
    @inline(__always) public func double(_ col: Int32) -> Double { sqlite3_column_double(stmt, col) }
    public func isNull(_ col: Int32) -> Bool { sqlite3_column_type(stmt, col) == SQLITE_NULL }
    /// The column's text as UTF-8 bytes.
    public func bytes(_ col: Int32) -> [UInt8] {
        guard let p = sqlite3_column_text(stmt, col) else { return [] }
        return Array(UnsafeBufferPointer(start: p, count: Int(sqlite3_column_bytes(stmt, col))))
    }

    public func string(_ col: Int32) -> String? {
        guard let p = sqlite3_column_text(stmt, col) else { return nil }
        return String(cString: p)
    }
}
